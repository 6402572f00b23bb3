/// The TAO load-key codec: PBKDF2-HMAC-SHA256 key derivation, AES-256-CTR streaming and random-access decryption, the 33 salts, and SHA-256.
///
/// See README.md for where this module sits in the data flow.
public enum CodecModule {}
