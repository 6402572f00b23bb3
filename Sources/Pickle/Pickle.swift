/// A pickle reader that builds an inert value tree and never executes anything.
///
/// See README.md for where this module sits in the data flow.
public enum PickleModule {}
