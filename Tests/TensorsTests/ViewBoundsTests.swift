/// A view may not address more elements than its storage holds (issue 10, item 6): a stride-0 broadcast or an
/// overlapping view of a small storage is refused at construction, naming the tensor, shape, strides and storage.
import Bytes
import Tensors
import Testing

@Suite struct ViewBoundsTests {
    let fourFloats = ByteView(copying: [UInt8](repeating: 0, count: 16))

    @Test func broadcastOfOneFloatIsRefused() {
        let one = ByteView(copying: [0, 0, 0, 0x3f])
        #expect(throws: TensorError.viewExceedsStorage(name: "w", shape: [1 << 38], strides: [0], storageElements: 1)) {
            try TensorView(name: "w", dtype: .f32, shape: [1 << 38], strides: [0], storage: one)
        }
        let error = TensorError.viewExceedsStorage(name: "w", shape: [1 << 38], strides: [0], storageElements: 1)
        #expect(error.description == "tensor w: shape [274877906944] with strides [0] addresses 274877906944 elements but its "
            + "storage holds 1; expected a view no larger than its storage (a broadcast or overlapping view is refused)")
    }

    @Test func overlappingStridesAreRefused() {
        #expect(throws: TensorError.viewExceedsStorage(name: "w", shape: [3, 2], strides: [1, 1], storageElements: 4)) {
            try TensorView(name: "w", dtype: .f32, shape: [3, 2], strides: [1, 1], storage: fourFloats)
        }
    }

    @Test func viewsWithinTheirStorageStillRead() throws {
        // A transpose, a slice and a partial broadcast address no more elements than the storage holds.
        let transposed = try TensorView(name: "t", dtype: .f32, shape: [2, 2], strides: [1, 2], storage: fourFloats)
        #expect(transposed.byteCount == 16)
        #expect(try TensorView(name: "s", dtype: .f32, shape: [2], strides: [2], storageOffset: 1, storage: fourFloats).count == 2)
        #expect(try TensorView(name: "b", dtype: .f32, shape: [2, 2], strides: [0, 1], storage: fourFloats).count == 4)
        #expect(try TensorView(name: "e", dtype: .f32, shape: [0, 1 << 40], strides: [0, 0], storage: .empty).count == 0)
    }
}
