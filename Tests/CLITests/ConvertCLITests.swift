/// `decant convert` end to end: output, summary, error table, JSON, and the failure contract.
import Foundation
import Testing

@Suite struct ConvertCLITests {
    static let v0 = fixtures.appendingPathComponent("nemo/qa_megatron_tiny_nemo1.0style_v0layout.nemo").path
    static let tlt = fixtures.deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("samples/qa_megatron_tiny.tlt").path

    @Test func convertsTheSampleTLTAndPrintsSummaryAndErrorTable() throws {
        let folder = try ScratchFolder()
        let run = try decant("convert", Self.tlt, "--key", "tlt_encode", "--dtype", "q4", "-o", folder.file("m.decant"))
        #expect(run.status == 0, "stderr: \(run.stderr)")
        #expect(run.stderr.isEmpty, "no progress bar or warnings when stderr is not a terminal: \(run.stderr)")
        #expect(folder.contents == ["m.decant"])
        for line in ["architecture: megatron-bert-qa, 2 layers, hidden 64, 4 heads", "dtype:        q4: 12 of 39 tensors",
                     "numerics:     nemo1.0 naming, QKV v0", "source sha256: "] {
            #expect(run.stdout.contains(line), "\(line)\n\(run.stdout)")
        }
        // Worst first: the table's first data row has the largest relative RMS; the summary line closes it.
        let rows = run.stdout.split(separator: "\n").drop { !$0.hasPrefix("tensor ") }.dropFirst()
        let percents = rows.prefix { $0.hasPrefix("bert.") }.compactMap { row in
            row.split(separator: " ").first { $0.hasSuffix("%") }.flatMap { Double($0.dropLast()) }
        }
        #expect(percents.count == 12 && percents == percents.sorted(by: >))
        #expect(run.stdout.contains("accuracy: 12 of 39 tensors converted (12 q4); worst relative RMS"))
        #expect(try decant("check", folder.file("m.decant")).status == 0)
    }

    @Test func jsonReportIsOneObject() throws {
        let folder = try ScratchFolder()
        let run = try decant("convert", Self.v0, "--format", "hf", "--dtype", "f16", "-o", folder.file("hf"), "--json")
        #expect(run.status == 0, "stderr: \(run.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect(object["format"] as? String == "hf" && object["dtype"] as? String == "f16")
        #expect((object["tensors"] as? [Any])?.count == 39 && (object["errors"] as? [Any])?.count == 39)
        #expect((object["architecture"] as? [String: Any])?["qkv_layout"] as? String == "v0")
    }

    @Test func unknownArchitectureListsTheNames() throws {
        let folder = try ScratchFolder()
        let run = try decant("convert", fixtures.appendingPathComponent("torch/zip_fp32_state_dict.pt").path,
                             "-o", folder.file("m.decant"))
        expectCleanFailure(run, mentioning: "could not place its 2 tensors (linear.weight, linear.bias)", folder: folder, inputs: [])
    }

    @Test func q4CannotBeAHuggingFaceExport() throws {
        let folder = try ScratchFolder()
        let run = try decant("convert", Self.v0, "--format", "hf", "--dtype", "q4", "-o", folder.file("hf"))
        expectCleanFailure(run, mentioning: "--format hf stores f32, f16 or bf16 tensors, not q4", folder: folder, inputs: [])
    }

    @Test func wrongKeyLeavesNothing() throws {
        let folder = try ScratchFolder()
        let run = try decant("convert", Self.tlt, "--key", "wrong", "-o", folder.file("m.decant"))
        expectCleanFailure(run, mentioning: "wrong load key", folder: folder, inputs: [])
    }

    /// A write that fails half-way (the file-size limit, with SIGXFSZ ignored so write() returns EFBIG) removes
    /// every temporary file: the folder is as it was.
    @Test(arguments: ["native", "safetensors", "hf"])
    func failedWriteLeavesNothingBehind(format: String) throws {
        let folder = try ScratchFolder()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        // 100 KiB-ish in 512- or 1024-byte blocks, whichever the shell uses: far below the 600 KB f32 model.
        process.arguments = ["-c", "trap '' XFSZ; ulimit -f 100; exec \"$0\" \"$@\"", decantBinary,
                             "convert", Self.v0, "--format", format, "-o", folder.file("out")]
        let err = Pipe()
        process.standardError = err
        process.standardOutput = Pipe()
        try process.run()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        expectCleanFailure(DecantRun(status: process.terminationStatus, stdout: "", stderr: stderr),
                           mentioning: "File too large", folder: folder, inputs: [])
    }
}
