/// Dtypes, shapes and zero-copy tensor views over bytes; half-precision conversion.
///
/// See README.md for where this module sits in the data flow.
public enum TensorsModule {}
