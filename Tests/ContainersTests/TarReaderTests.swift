/// Both tar readers on real archives (NeMo, EFF, Python's GNU and PAX output) and on damaged ones.
import Bytes
import Containers
import Testing

@Suite("tar readers")
struct TarReaderTests {
    @Test("the indexed reader lists a plain-tar .nemo with NeMo's layout and zero-copy data")
    func indexNemo() throws {
        let file = try MappedFile(path: Fixtures.path(Fixtures.nemoPlain))
        let index = try TarIndex(view: file.view)
        #expect(index.entries.first?.path == ".")
        #expect(index.entries.first?.kind == .directory)
        #expect(index.entries.first?.storedName == "./")
        let names = index.entries.map(\.path)
        #expect(names.contains("model_config.yaml"))
        #expect(names.filter { $0.hasSuffix("_tokenizer.vocab_file") }.count == 1)
        let weights = try #require(index.entry("./model_weights.ckpt"))
        #expect(weights.size == 453_796)
        let data = index.data(of: weights)
        #expect(data.matches([0x50, 0x4b, 0x03, 0x04]))
        #expect(data.buffer.baseAddress == file.view.buffer.baseAddress! + weights.dataOffset)
    }

    @Test("the streaming reader over gunzip sees the tar.gz .nemo, member data in order")
    func streamNemo() throws {
        let members = try streamMembers(try GunzipSource(upstream: FileSource(path: Fixtures.path(Fixtures.nemoGzip))))
        #expect(members.count == 6)
        #expect(members[0].entry.path == ".")
        let weights = try #require(members.first { $0.entry.path == "model_weights.ckpt" })
        #expect(weights.data.count == 453_668)
        #expect(Array(weights.data.prefix(4)) == [0x50, 0x4b, 0x03, 0x04])
        let config = try #require(members.first { $0.entry.path == "model_config.yaml" })
        #expect(String(decoding: config.data, as: UTF8.self).contains("nemo:"))
    }

    @Test("both readers agree on the same archive")
    func readersAgree() throws {
        for fixture in ["tar/gnu_longnames.tar", "tar/pax_records.tar", Fixtures.nemoPlain] {
            let index = try TarIndex(view: MappedFile(path: Fixtures.path(fixture)).view)
            let streamed = try streamMembers(FileSource(path: Fixtures.path(fixture)))
            #expect(streamed.map(\.entry) == index.entries, "\(fixture)")
            #expect(streamed.map(\.data) == index.entries.map { index.data(of: $0).array }, "\(fixture)")
        }
    }

    @Test("NVIDIA's PAX-format EFF archives list their members, PAX headers consumed")
    func effMembers() throws {
        let members = try streamMembers(try GunzipSource(upstream: FileSource(path: Fixtures.path("eff/eff3_nvidia-eff-0.6.7_tlt_encode.tlt"))))
        #expect(members.map(\.entry.path) == ["artifacts/model_config.yaml", "artifacts/model_weights.ckpt", "artifacts/vocab.txt", "manifest.yaml"])
        #expect(members[1].data.count == 5136)
    }

    @Test("GNU long names and link targets; links are listed, not followed")
    func gnuLongNames() throws {
        let index = try TarIndex(view: MappedFile(path: Fixtures.path("tar/gnu_longnames.tar")).view)
        let long = "deep/" + String(repeating: "d", count: 70) + "/" + String(repeating: "f", count: 70) + ".bin"
        #expect(index.entries.map(\.path) == [".", long, "short.txt", "link_to_long", "hard.txt"])
        #expect(index.data(of: index.entries[1]).array == Array("long name payload\n".utf8))
        #expect(index.entries[2].size == 700)
        #expect(index.entries[3].kind == .symlink(target: "../" + long))
        #expect(index.entries[4].kind == .hardlink(target: "short.txt"))
        #expect(index.entries[3].size == 0 && index.entries[4].size == 0)
    }

    @Test("PAX path records override the ustar name; global records apply")
    func paxRecords() throws {
        let index = try TarIndex(view: MappedFile(path: Fixtures.path("tar/pax_records.tar")).view)
        let long = "deep/" + String(repeating: "d", count: 70) + "/" + String(repeating: "f", count: 70) + ".bin"
        #expect(index.entries.map(\.path) == ["caf\u{e9}.txt", long, "empty"])
        #expect(index.data(of: index.entries[1]).array == Array("pax long name payload\n".utf8))
        #expect(index.entries[2].size == 0)
    }

    @Test("a cut archive is truncated for both readers", arguments: [100, 512, 700, 1024 + 300, 2560, 6144])
    func truncated(cut: Int) throws {
        let whole = try Fixtures.bytes("tar/gnu_longnames.tar")
        let part = ByteView(copying: whole[..<cut])
        for read in [{ _ = try TarIndex(view: part) }, { _ = try streamMembers(ViewSource(part)) }] {
            do {
                try read()
                Issue.record("a cut at \(cut) went unnoticed")
            } catch let error as TarError {
                guard case .truncated = error else { Issue.record("expected truncation, got \(error)"); continue }
            }
        }
    }

    @Test("a damaged header fails its checksum in both readers")
    func badChecksum() throws {
        var bytes = try Fixtures.bytes(Fixtures.nemoPlain)
        let header = try #require(TarIndex(view: ByteView(copying: bytes)).entry("model_config.yaml")).dataOffset - 512
        bytes[header + 10] ^= 0x20 // inside the name
        for read in [{ _ = try TarIndex(view: ByteView(copying: bytes)) }, { _ = try streamMembers(ViewSource(ByteView(copying: bytes))) }] {
            do {
                try read()
                Issue.record("a damaged header went unnoticed")
            } catch let error as TarError {
                guard case let .badChecksum(offset, stored, computed) = error else { Issue.record("\(error)"); continue }
                #expect(offset == header)
                #expect(computed - stored == -0x20 || computed - stored == 0x20)
            }
        }
    }

    @Test("a malformed PAX record is refused")
    func badPax() throws {
        var bytes = try Fixtures.bytes("tar/pax_records.tar")
        // The first block after the global header record holds "NN comment=global\n"; break its length.
        let record = 512
        #expect(bytes[record] >= UInt8(ascii: "0") && bytes[record] <= UInt8(ascii: "9"))
        bytes[record] = UInt8(ascii: "9")
        bytes[record + 1] = UInt8(ascii: "9")
        #expect(throws: TarError.badPaxRecord(offset: 0)) { try TarIndex(view: ByteView(copying: bytes)) }
    }

    @Test("pre-POSIX v7 headers (no ustar magic, as GNU tar --format=v7 writes them) in both readers")
    func version7() throws {
        let file = try MappedFile(path: Fixtures.path("tar/v7_format.tar"))
        #expect(!file.view.matches(Array("ustar".utf8), at: 257))
        #expect(TarIndex.recognises(file.view))
        #expect(TAOFileKind.identify(file.view) == .tar)
        let index = try TarIndex(view: file.view)
        #expect(index.entries.map(\.path) == [".", "d", "d/a.txt", "big.bin", "empty"])
        #expect(index.entries.map(\.kind) == [.directory, .directory, .file, .file, .file])
        #expect(index.data(of: index.entries[2]).array == Array("hello\n".utf8))
        #expect(index.data(of: index.entries[3]).array == (0..<1280).map { UInt8($0 % 256) })
        let streamed = try streamMembers(FileSource(path: Fixtures.path("tar/v7_format.tar")))
        #expect(streamed.map(\.entry) == index.entries)
        #expect(streamed.map(\.data) == index.entries.map { index.data(of: $0).array })
        let gzipped = try streamMembers(try GunzipSource(upstream: ViewSource(ByteView(copying: try gzip(file.view.array)))))
        #expect(gzipped.map(\.entry) == index.entries)
    }

    @Test("a block that is neither ustar nor a checksummed v7 header is not a tar")
    func notATar() throws {
        var v7 = try Fixtures.bytes("tar/v7_format.tar")
        v7[0] ^= 0x01 // the name changes, the stored checksum does not
        #expect(!v7.withUnsafeBytes { TarIndex.recognises($0) })
        #expect(!TarIndex.recognises(ByteView(copying: [UInt8](repeating: 0, count: 512))))
        #expect(!TarIndex.recognises(ByteView(copying: noise(512))))
        #expect(!TarIndex.recognises(ByteView(copying: Array("ustar".utf8))))
    }

    @Test("two members with one normalised path are refused by both readers; repeated directories are not")
    func duplicateMembers() throws {
        func tar(_ members: [(String, [UInt8]?)]) throws -> [UInt8] {
            let collected = CollectingSink()
            let writer = TarWriter(sink: collected)
            for (name, data) in members {
                if let data { try writer.addFile(name, contents: ByteView(copying: data)) } else { try writer.addDirectory(name) }
            }
            try writer.finish()
            return collected.bytes
        }
        let cases: [([(String, [UInt8]?)], TarError)] = [
            ([("a.txt", [1]), ("./a.txt", [2])], .duplicateMember(path: "a.txt", first: "a.txt", second: "./a.txt")),
            ([("w/x", [1]), ("w//x", [2])], .duplicateMember(path: "w/x", first: "w/x", second: "w//x")),
            ([("a", [1]), ("a", nil)], .duplicateMember(path: "a", first: "a", second: "a/")),
        ]
        for (members, error) in cases {
            let bytes = try tar(members)
            #expect(throws: error) { try TarIndex(view: ByteView(copying: bytes)) }
            #expect(throws: error) { try streamMembers(ViewSource(ByteView(copying: bytes))) }
        }
        let directories = try tar([("d", nil), ("./d/", nil), ("d/x", [1])])
        #expect(try TarIndex(view: ByteView(copying: directories)).entries.map(\.path) == ["d", "d", "d/x"])
        #expect(try streamMembers(ViewSource(ByteView(copying: directories))).count == 3)
    }

    @Test("unsafe paths are recognised")
    func unsafePaths() throws {
        for bad in ["../x", "/etc/x", "a/../../x", "./../x"] {
            #expect(throws: TarError.unsafePath(TarPath.normalise(bad))) { try TarPath.checkSafe(TarPath.normalise(bad)) }
        }
        for good in ["x", "./x", "a/b", "a..b/c"] { try TarPath.checkSafe(TarPath.normalise(good)) }
        #expect(TarPath.normalise("./a/./b/") == "a/b")
        #expect(TarPath.normalise("./") == ".")
    }
}
