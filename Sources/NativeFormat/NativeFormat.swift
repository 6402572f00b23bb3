/// The memory-mappable .decant format and safetensors: validating readers and streaming, atomic writers.
///
/// See README.md for where this module sits in the data flow.
public enum NativeFormatModule {}
