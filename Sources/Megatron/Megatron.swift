/// Megatron-BERT QA: architecture detection and the declarative name and fused-QKV mapping tables.
///
/// See README.md for where this module sits in the data flow.
public enum MegatronModule {}
