import Bytes
import Checkpoint
import Containers
import Tensors
import Testing

/// The old tar format's storage views and record checks, on tars built with `TarWriter`.
@Suite struct TorchTarTests {
    private func pickled(_ body: [UInt8]) -> [UInt8] { [0x80, 0x02] + body + [0x2E] }

    /// One float storage (key 0) of 0…11, one view storage (key 5) described by `view`, one tensor (key 1) of
    /// shape [6] on storage 5; `pickle` holds {"w": tensor 1}.
    private func tar(view: (offset: Int, numel: Int)) throws -> ByteView {
        let storages = pickled(TestPickle.int(1))
            + pickled(TestPickle.tuple([TestPickle.int(0), TestPickle.unicode("cpu"), TestPickle.global("torch", "FloatStorage")]))
            + u64(12) + twelveFloats
            + pickled([0x5D, 0x28] + TestPickle.tuple([TestPickle.int(5), TestPickle.int(0), TestPickle.int(view.offset),
                                                       TestPickle.int(view.numel)]) + [0x65])
        let tensors = pickled(TestPickle.int(1))
            + pickled(TestPickle.tuple([TestPickle.int(1), TestPickle.int(5), TestPickle.global("torch", "FloatTensor")]))
            + u32(1) + u32(0) + u64(6) + u64(1) + u64(0)
        let members: [(String, [UInt8])] = [
            ("sys_info", pickled([0x7D])),
            ("pickle", pickled([0x7D] + TestPickle.unicode("w") + TestPickle.unicode("1") + [0x51, 0x73])),
            ("storages", storages), ("tensors", tensors),
        ]
        let sink = CollectingSink()
        let writer = TarWriter(sink: sink)
        for (name, bytes) in members { try writer.addFile(name, contents: ByteView(copying: bytes)) }
        try writer.finish()
        return ByteView(copying: sink.bytes)
    }

    @Test func viewStoragesAreWindowsOfTheirRoot() throws {
        let checkpoint = try TorchCheckpoint.read(try tar(view: (4, 6)))
        #expect(checkpoint.format == .tar)
        #expect(checkpoint.tensors.map(\.name) == ["w"])
        #expect(try checkpoint.tensors[0].toFloat32() == [4, 5, 6, 7, 8, 9])
    }

    @Test func viewsOutsideTheirRootAreRefused() throws {
        #expect(throws: TorchCheckpointError.storageViewOutOfRange(key: "0", viewKey: "5", endByte: 64, storageBytes: 48)) {
            try TorchCheckpoint.read(try tar(view: (10, 6)))
        }
        #expect {
            try TorchCheckpoint.read(try tar(view: (-1, 6)))
        } throws: { error in
            guard case let .tarBadRecord(member, _) = error as? TorchCheckpointError else { return false }
            return member == "storages"
        }
    }

    @Test func tensorsOnTheirWholeViewCannotOverrunIt() throws {
        // A 6-element view holding a 6-element tensor reads; shrinking the view to 5 makes the tensor overrun it.
        #expect(throws: TensorError.outOfBounds(name: "w", neededBytes: 24, storageBytes: 20)) {
            try TorchCheckpoint.read(try tar(view: (0, 5)))
        }
        #expect(try TorchCheckpoint.read(try tar(view: (0, 6))).tensors[0].count == 6)
    }
}
