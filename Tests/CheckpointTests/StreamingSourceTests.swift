import Bytes
import Checkpoint
import Codec
import Containers
import Foundation
import Testing

/// `ModelSource.openStreaming`: an EFF `.tlt` used while its weights are still being decrypted gives exactly the
/// tensors `open` gives, and everything that breaks the archive still surfaces — at the latest from `finish()`.
@Suite struct StreamingSourceTests {
    @Test(arguments: [NemoFixtures.gzipV0, NemoFixtures.plainV2])
    func streamedTensorsEqualTheCompleteOnes(nemo: String) throws {
        let directory = try TemporaryDirectory()
        let path = try directory.encryptNemo(nemo, key: "tlt_encode")
        let streamed = try ModelSource.openStreaming(path: path, key: "tlt_encode")
        let complete = try ModelSource.open(path: path, key: "tlt_encode")
        let arriving = try #require(streamed.arriving)
        #expect(complete.arriving == nil)
        #expect(streamed.layers == complete.layers)
        #expect(streamed.tensors.map(\.name) == complete.tensors.map(\.name))
        #expect(streamed.tensors.map(\.shape) == complete.tensors.map(\.shape))
        #expect(streamed.vocab == complete.vocab)
        #expect(streamed.config?.dataset == complete.config?.dataset)
        // Resolved in reverse order: a later tensor waits for its bytes, an earlier one is then already there.
        for (placeholder, reference) in zip(streamed.tensors, complete.tensors).reversed() {
            let tensor = try arriving.resolve(placeholder)
            #expect(try tensor.toFloat32() == (try reference.toFloat32()), "\(tensor.name)")
        }
        try arriving.finish()
    }

    @Test func otherInputsOpenWhole() throws {
        #expect(try ModelSource.openStreaming(path: NemoFixtures.plainV2).arriving == nil)
        #expect(try ModelSource.openStreaming(path: NemoFixtures.gzipV0).arriving == nil)
    }

    @Test func weightsBeforeOtherArtifactsAreReadWhole() throws {
        // The same members with model_weights.ckpt first: the yaml is not there yet when the weights begin.
        let original = try NemoFixtures.mapped(NemoFixtures.plainV2)
        let index = try TarIndex(view: original)
        let files = index.entries.filter(\.isFile).sorted { a, _ in a.path.hasSuffix("model_weights.ckpt") }
        let collected = CollectingSink()
        let writer = TarWriter(sink: collected)
        for entry in files { try writer.addFile(entry.path, contents: index.data(of: entry)) }
        try writer.finish()
        let directory = try TemporaryDirectory()
        let nemo = try directory.write("weights-first.nemo", ByteView(copying: collected.bytes))
        let path = try directory.encryptNemo(nemo, key: "tlt_encode")

        let source = try ModelSource.openStreaming(path: path, key: "tlt_encode")
        #expect(source.arriving == nil)
        #expect(source.tensors.count == 31)
        #expect(try source.tensors[0].toFloat32() == (try ModelSource.open(path: NemoFixtures.plainV2).tensors[0].toFloat32()))
    }

    /// A tensor name that spells a data descriptor (sizes equal to its distance from the start of `data.pkl`,
    /// then `PK\3\4`) fools the front-to-back walk into ending `data.pkl` early: the streamed read fails, and the
    /// source opens the ordinary way from the complete bytes instead.
    @Test func aDescriptorLookalikeFallsBackToTheCompleteRead() throws {
        let directory = try TemporaryDirectory()
        let decoy = String(decoding: [0x50, 0x4B, 0x07, 0x08] + u32(0) + u32(9) + u32(9) + [0x50, 0x4B, 0x03, 0x04], as: UTF8.self)
        let fooled = try ModelSource.openStreaming(path: try Self.oneTensorTLT(named: decoy, in: directory), key: "tlt_encode")
        #expect(fooled.arriving == nil)
        #expect(fooled.tensors.map(\.name) == [decoy])
        #expect(try fooled.tensors[0].toFloat32() == (0..<12).map(Float.init))

        // The same archive with a plain name streams.
        let plain = try ModelSource.openStreaming(path: try Self.oneTensorTLT(named: "weight", in: directory), key: "tlt_encode")
        let arriving = try #require(plain.arriving)
        #expect(try arriving.resolve(plain.tensors[0]).toFloat32() == (0..<12).map(Float.init))
        try arriving.finish()
    }

    /// An entry that is not a storage (and has no descriptor of its own) hides a whole fake `data/0` — header,
    /// other floats, descriptor — behind a decoy descriptor: the walk takes it for the real one, and `finish()`,
    /// comparing with what the central directory says, refuses what was read.
    @Test func aFakeRecordIsCaughtByTheCrossCheck() throws {
        func le<T: FixedWidthInteger>(_ value: T) -> [UInt8] { withUnsafeBytes(of: value.littleEndian) { Array($0) } }
        let fakeFloats = (100..<112).flatMap { le(Float($0).bitPattern) }
        let name = Array("archive/data/0".utf8)
        let hidden = le(UInt32(0x0807_4B50)) + le(UInt32(0)) + le(UInt32(0)) + le(UInt32(0))  // "size 0", then a header
            + le(UInt32(0x0403_4B50)) + le(UInt16(20)) + le(UInt16(0x0808)) + le(UInt16(0)) + [0, 0, 0, 0] + le(UInt32(0))
            + le(UInt32(0)) + le(UInt32(0)) + le(UInt16(UInt16(name.count))) + le(UInt16(0)) + name
            + fakeFloats + le(UInt32(0x0807_4B50)) + le(UInt32(0)) + le(UInt32(48)) + le(UInt32(48))
        let pickle = TestPickle.stateDict([(name: "weight", key: "0", numel: 12, offset: 0, shape: [3, 4], strides: [4, 1])])
        let weights = TestZip(entries: [
            .init(name: "archive/data.pkl", data: pickle), .init(name: "archive/extra", data: hidden, omitDescriptor: true),
            .init(name: "archive/data/0", data: twelveFloats), .init(name: "archive/version", data: Array("3\n".utf8)),
        ]).bytes()
        let directory = try TemporaryDirectory()
        let source = try ModelSource.openStreaming(path: try Self.tlt(weights: weights, in: directory), key: "tlt_encode")
        let arriving = try #require(source.arriving)
        // The walk was fooled …
        #expect(try arriving.resolve(source.tensors[0]).toFloat32() == (100..<112).map(Float.init))
        // … and the check against the complete checkpoint says so.
        #expect(throws: SourceError.streamedLayoutMismatch(tensor: "weight", reason: "its bytes lie elsewhere in the complete zip")) {
            try arriving.finish()
        }
        // Opened whole, the same file reads the real values.
        #expect(try ModelSource.open(path: directory.path + "/model.tlt", key: "tlt_encode").tensors[0].toFloat32()
                == (0..<12).map(Float.init))
    }

    /// A `.tlt` of a NeMo archive whose checkpoint holds one 3 × 4 tensor named `name`.
    static func oneTensorTLT(named name: String, in directory: TemporaryDirectory) throws -> String {
        let pickle = TestPickle.stateDict([(name: name, key: "0", numel: 12, offset: 0, shape: [3, 4], strides: [4, 1])])
        return try tlt(weights: TestZip.checkpoint(pickle: pickle, records: ["0": twelveFloats]).bytes(), in: directory)
    }

    /// A `.tlt` of a NeMo archive (a three-token vocabulary, a minimal config) with `weights` as its checkpoint.
    static func tlt(weights: [UInt8], in directory: TemporaryDirectory) throws -> String {
        let collected = CollectingSink()
        let writer = TarWriter(sink: collected)
        try writer.addFile("./abc_tokenizer.vocab_file", contents: ByteView(copying: Array("[PAD]\n[UNK]\nhello\n".utf8)))
        try writer.addFile("./model_config.yaml", contents: ByteView(copying: Array(NemoFixtures.minimalConfig.utf8)))
        try writer.addFile("./model_weights.ckpt", contents: ByteView(copying: weights))
        try writer.finish()
        let nemo = try directory.write("\(UInt32.random(in: 0...UInt32.max)).nemo", ByteView(copying: collected.bytes))
        return try directory.encryptNemo(nemo, key: "tlt_encode")
    }

    @Test func wrongKeyIsReportedAsSuch() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.encryptNemo(NemoFixtures.plainV2, key: "tlt_encode")
        #expect(throws: EFFError.wrongLoadKey(artifact: "model_weights.ckpt")) {
            try ModelSource.openStreaming(path: path, key: "not_the_key")
        }
    }

    /// A flipped byte late in the ciphertext: the weights open (their start is intact), and the damage is found
    /// by the time `finish()` returns — never silently.
    @Test func damageLateInTheWeightsFailsTheFinish() throws {
        let directory = try TemporaryDirectory()
        let good = try directory.encryptNemo(NemoFixtures.plainV2, key: "tlt_encode")
        var bytes = try MappedFile(path: good).view.array
        // Decant's EFF writer stores the ciphertext in stored-deflate blocks, so this byte is ciphertext.
        let eff = try EFFArchive(path: good)
        let weights = try #require(eff.entries.first { $0.artifact.name == "model_weights.ckpt" })
        #expect(weights.storedSize > 400_000)
        bytes[bytes.count * 3 / 4] ^= 0x40
        let path = try directory.write("damaged.tlt", ByteView(copying: bytes))

        #expect(throws: (any Error).self) {
            let source = try ModelSource.openStreaming(path: path, key: "tlt_encode")
            let arriving = try #require(source.arriving)
            for tensor in source.tensors { _ = try arriving.resolve(tensor) }
            try arriving.finish()
        }
    }

    @Test func cancelStopsTheBackgroundReader() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.encryptNemo(NemoFixtures.plainV2, key: "tlt_encode")
        let source = try ModelSource.openStreaming(path: path, key: "tlt_encode")
        let arriving = try #require(source.arriving)
        arriving.cancel()
        // Either the reader had already finished (finish() succeeds) or it stopped at a chunk (the typed error);
        // nothing else, and no hang.
        do {
            try arriving.finish()
        } catch {
            #expect(error as? SourceError == .readCancelled)
        }
    }
}
