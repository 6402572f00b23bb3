import Bytes

/// What `decant inspect` itself can refuse (the readers underneath throw their own errors).
public enum InspectionError: DecantError, Equatable {
    /// `--tensor NAME` names no tensor in the file.
    case tensorNotFound(name: String, file: String, tensors: Int)

    public var description: String {
        switch self {
        case let .tensorNotFound(name, file, tensors):
            return "expected a tensor named \(name), \(file) has none of that name among its \(tensors) tensors"
        }
    }
}
