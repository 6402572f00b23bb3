/// CPU inference for the canonical Megatron-BERT QA model over BLAS.
///
/// See README.md for where this module sits in the data flow.
public enum InferenceModule {}
