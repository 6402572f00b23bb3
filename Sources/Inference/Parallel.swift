import Dispatch

/// Splits `count` items into `workers` contiguous ranges run concurrently; small jobs run inline because
/// waking a thread costs more than they do.
///
/// The workers write disjoint slices of shared buffers, which the type system cannot see, hence the unchecked box.
func parallelRanges(_ count: Int, workers: Int, inlineBelow threshold: Int = 1,
                    _ body: (_ worker: Int, _ range: Range<Int>) -> Void) {
    let workers = min(workers, count)
    guard workers > 1, count >= threshold else {
        if count > 0 { body(0, 0..<count) }
        return
    }
    withoutActuallyEscaping(body) { escapable in
        let box = UncheckedClosure(run: escapable)
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            box.run(worker, (count * worker / workers)..<(count * (worker + 1) / workers))
        }
    }
}

private struct UncheckedClosure: @unchecked Sendable {
    let run: (Int, Range<Int>) -> Void
}
