/// Runs a candidate and a reference on the same inputs and judges the difference against tolerances.
///
/// See README.md for where this module sits in the data flow.
public enum VerificationModule {}
