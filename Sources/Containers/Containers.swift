/// Archive containers: gzip (zlib), tar (ustar, PAX, GNU long names), zip (torch's stored zip64 archives) and NVIDIA EFF archives.
///
/// See README.md for where this module sits in the data flow.
public enum ContainersModule {}
