/// Storage types (f32, f16, bf16, q8 and q4 blocks): encoding, decoding and error measurement.
///
/// See README.md for where this module sits in the data flow.
public enum QuantizationModule {}
