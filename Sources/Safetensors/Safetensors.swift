/// The safetensors container: a validating mmap reader and a streaming writer.
public enum SafetensorsModule {}
