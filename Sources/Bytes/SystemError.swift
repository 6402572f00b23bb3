#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The text for the current `errno`, for error messages.
@inline(__always)
func systemErrorText(_ code: Int32 = errno) -> String {
    String(cString: strerror(code))
}
