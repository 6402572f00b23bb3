/// Source checkpoint to canonical tensors to quantized native, safetensors or Hugging Face output.
///
/// See README.md for where this module sits in the data flow.
public enum ConversionModule {}
