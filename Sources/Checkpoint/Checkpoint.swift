/// PyTorch checkpoints (zip, legacy stream, old tar), safetensors, and NeMo archives, opened as named tensor views.
///
/// See README.md for where this module sits in the data flow.
public enum CheckpointModule {}
