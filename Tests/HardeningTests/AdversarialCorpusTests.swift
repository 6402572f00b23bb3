/// Replays every file of `Tests/Fixtures/adversarial/<reader>/` (hand-made attacks from Tools/make_adversarial.py
/// and fuzzer findings) through its reader and requires the typed error recorded in `expected.json`.
import Bytes
import Checkpoint
import Codec
import Containers
import Conversion
import Foundation
import NativeFormat
import Pickle
import QA
import Safetensors
import Testing
import Verification

let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")
let adversarial = fixtures.appendingPathComponent("adversarial")

/// `"<reader>/<file>": "<ErrorType>: <text the description must contain>"`, or `"no error: <why that is right>"` for
/// hostile input that is accepted harmlessly (a pickle cycle is kept as an inert `.cycle` value).
let expectations: [String: String] = {
    guard let data = FileManager.default.contents(atPath: adversarial.appendingPathComponent("expected.json").path),
          let object = try? JSONSerialization.jsonObject(with: data) as? [String: String] else { return [:] }
    return object
}()

/// Every corpus file as `<reader>/<file>`, sorted.
let corpus: [String] = {
    let readers = (try? FileManager.default.contentsOfDirectory(atPath: adversarial.path)) ?? []
    return readers.sorted().flatMap { reader -> [String] in
        let files = (try? FileManager.default.contentsOfDirectory(atPath: adversarial.appendingPathComponent(reader).path)) ?? []
        return files.sorted().map { "\(reader)/\($0)" }
    }
}()

@Suite("adversarial corpus")
struct AdversarialCorpusTests {
    @Test("the corpus covers every reader and every file has an expected error")
    func corpusIsComplete() {
        let readers = Set(corpus.map { String($0.split(separator: "/")[0]) })
        #expect(readers == Set(CorpusReader.allCases.map(\.rawValue)))
        #expect(corpus.count >= 90)
        let unlisted = corpus.filter { expectations[$0] == nil }
        let stale = expectations.keys.filter { !corpus.contains($0) }.sorted()
        #expect(unlisted.isEmpty, "no expected error in expected.json for \(unlisted)")
        #expect(stale.isEmpty, "expected.json lists files that are gone: \(stale)")
    }

    @Test("each file fails with its specific typed error", .timeLimit(.minutes(1)), arguments: corpus)
    func replay(_ file: String) throws {
        let parts = file.split(separator: "/", maxSplits: 1).map(String.init)
        let reader = try #require(CorpusReader(rawValue: parts[0]), "no reader for folder \(parts[0])")
        let path = adversarial.appendingPathComponent(file).path
        let mapped = try MappedFile(path: path)
        let outcome: String
        do {
            try reader.read(mapped.view, path: path, name: file)
            outcome = "no error"
        } catch let error as any DecantError {
            outcome = "\(type(of: error)): \(error.description)"
        } catch {
            outcome = "untyped \(type(of: error)): \(error)"
        }
        let expected = try #require(expectations[file], "\(file): add to expected.json — got \(outcome)")
        let split = expected.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        if split[0] == "no error" {
            #expect(outcome == "no error", "\(file): expected \(expected), got \(outcome)")
        } else {
            #expect(outcome.hasPrefix(split[0] + ": "), "\(file): expected \(expected), got \(outcome)")
            #expect(split.count == 2 && outcome.contains(split[1]), "\(file): expected \(expected), got \(outcome)")
        }
    }
}

/// The readers of hostile input, one per corpus folder, driven the way Decant drives them.
enum CorpusReader: String, CaseIterable {
    case codec, eff, effManifest = "eff-manifest", effNemo = "eff-nemo", gzip, tar, zip, pickle, torch, nemo,
         nemoModel = "nemo-model", nemoEncrypt = "nemo-encrypt", native, safetensors, tokenizer
    /// Config numbers of a source as `decant convert` plans it, and `.decant` metadata as ask and verify read it.
    case convert, qaModel = "qa-model"

    /// Pickle ceilings scaled down so bombs stay small files; the checks are the ones the defaults use.
    static let pickleOptions = PickleOptions(maxMemoEntries: 10_000, maxStackDepth: 10_000, maxStringBytes: 1 << 20,
                                             maxOperations: 1_000_000, maxTreeValues: 1_000_000)

    /// Archive ceilings scaled down the same way (members of a few MiB stand for the 60 MiB ones); the
    /// vocabulary limits are the defaults.
    static let nemoOptions = NemoOptions(spoolDirectory: NSTemporaryDirectory(), memberLimit: 1 << 20, bufferLimit: 2 << 20,
                                         inflation: InflationLimit(ratio: 32, allowance: 32 << 20))

    /// Reads `view` (the file at `path`, called `name` in errors) the way Decant does.
    func read(_ view: ByteView, path: String, name: String) throws {
        switch self {
        case .codec:
            var blob = view
            if case let .etlt(_, blobOffset) = TAOFileKind.identify(view) {
                blob = try view.slice(offset: blobOffset, length: view.count - blobOffset)
            }
            _ = try PlaintextMagic.check(try EncryptedBlob(blob, key: try DerivedKey(key: LoadKey("nvidia_tlt"), salt: .default)))
        case .eff:
            try EFFArchive(path: path).readArtifacts(key: try LoadKey("nvidia_tlt")) { _, source in
                _ = try source.pump(into: DiscardingSink())
            }
        case .effNemo:
            _ = try NemoArchive.open(eff: try EFFArchive(path: path, inflation: Self.nemoOptions.inflation), key: "nvidia_tlt",
                                     options: Self.nemoOptions)
        case .effManifest:
            _ = try EFFManifest(yaml: String(decoding: view.buffer, as: UTF8.self))
        case .gzip:
            _ = try GunzipSource(upstream: ViewSource(view)).pump(into: DiscardingSink())
        case .tar:
            let index = try TarIndex(view: view)
            for entry in index.entries where entry.isFile { _ = index.data(of: entry) }
        case .zip:
            let archive = try ZipArchive(view)
            for entry in archive.entries { try archive.inflate(entry, into: DiscardingSink()) }
        case .pickle:
            _ = try PickleReader.read(view, options: Self.pickleOptions)
        case .torch:
            _ = try TorchCheckpoint.read(view, options: Self.pickleOptions).allTensors()
        case .nemo:
            _ = try NemoArchive.open(view, options: Self.nemoOptions)
        case .nemoModel:
            // Down to the tensors, as inspect, convert and ask open a model.
            _ = try ModelSource.open(path: path, options: SourceOptions(nemo: Self.nemoOptions, pickle: Self.pickleOptions))
        case .nemoEncrypt:
            _ = try TAOConversion.encryptNemo(path: path, key: try LoadKey("nvidia_tlt"), to: DiscardingSink())
        case .native:
            let file = try NativeFile(view: view)
            for name in file.names { _ = try file.tensor(named: name) }
            try file.verifyChecksums()
        case .safetensors:
            _ = try SafetensorsFile(view: view).tensors
        case .tokenizer:
            _ = try Vocabulary(bytes: view, source: name)
        case .convert:
            _ = try ConversionPlan(source: try ModelSource.open(path: path))
        case .qaModel:
            _ = try QAModel.open(path: path).settings()
        }
    }
}
