#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A thread that can be waited for until it has really ended — its closure returned and everything the closure
/// held released — which Foundation's detached threads cannot offer. Whoever starts one joins it or lets it go.
final class JoinableThread: @unchecked Sendable {
    private var thread: pthread_t?
    private var settled = false

    private final class Body {
        let run: () -> Void
        init(_ run: @escaping () -> Void) { self.run = run }
    }

    init(_ run: @escaping @Sendable () -> Void) {
        let body = Unmanaged.passRetained(Body(run)).toOpaque()
        var handle = pthread_t()
        let result = pthread_create(&handle, nil, { context in
            // The body (and what its closure captured) is released before the thread ends.
            Unmanaged<Body>.fromOpaque(context!).takeRetainedValue().run()
            return nil
        }, body)
        precondition(result == 0, "pthread_create failed: \(result)")
        thread = handle
    }

    /// Waits for the thread to end; later calls return at once. Never call it from the thread itself.
    func join() {
        guard !settled, let thread else { return }
        settled = true
        pthread_join(thread, nil)
    }

    deinit {
        if !settled, let thread { pthread_detach(thread) }
    }
}
