// swift-tools-version:6.0
// Decant: take deep-learning checkpoints out of locked or unsafe containers, pour them into a
// memory-mappable native format, and prove the result still computes the same thing.
import PackageDescription

// Modules follow the data flow, bottom to top; none imports a module above it.
//   bytes → Codec → Containers → Pickle/Checkpoint → Megatron → Quantization → NativeFormat → Conversion
//   (JSON, under Safetensors, Quantization and NativeFormat, parses and writes tensor-file headers)
//   NativeFormat → Inference → QA → Verification → DecantCLI
let package = Package(
    name: "Decant",
    products: [
        .library(name: "DecantKit", targets: [
            "Bytes", "Codec", "Containers", "Pickle", "Tensors", "JSON", "Safetensors", "Checkpoint", "Megatron",
            "Quantization", "NativeFormat", "Conversion", "Inference", "QA", "Verification", "Inspection",
        ]),
        .executable(name: "decant", targets: ["DecantCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
    ],
    targets: [
        // System libraries.
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        // Hot loops that need F16C/AVX-512 with a runtime CPU check (Swift cannot target-specialise).
        .target(name: "CKernels", cSettings: [.unsafeFlags(["-O3"])]),

        // The decant command's signal handlers, in C so they make only async-signal-safe calls.
        .target(name: "CSignals"),
        // bytes: mapped files, bounds-checked readers, atomic output files, input and output path checks.
        .target(name: "Bytes", dependencies: ["CSignals"]),
        // TAO load-key codec (PBKDF2 + AES-256-CTR) and SHA-256.
        .target(name: "Codec", dependencies: ["COpenSSL", "Bytes"]),
        // gzip, tar, zip and EFF archives.
        .target(name: "Containers", dependencies: ["CZlib", "Codec", "Bytes", .product(name: "Yams", package: "Yams")]),
        // A pickle reader that never executes anything.
        .target(name: "Pickle", dependencies: ["Bytes"]),
        // Dtypes, tensor views over bytes, half-precision conversion.
        .target(name: "Tensors", dependencies: ["Bytes", "CKernels"]),
        // A strict JSON parser and a deterministic writer, for the headers of tensor files.
        .target(name: "JSON", dependencies: ["Bytes"]),
        // The safetensors container: a validating mmap reader and a streaming writer.
        .target(name: "Safetensors", dependencies: ["JSON", "Tensors", "Bytes"]),
        // PyTorch checkpoints (zip, legacy, tar) and NeMo archives, opened as named tensor views.
        .target(name: "Checkpoint", dependencies: ["Containers", "Pickle", "Tensors", "Safetensors", "Codec", "Bytes",
                                                   .product(name: "Yams", package: "Yams")]),
        // Megatron-BERT QA: architecture detection and the name/QKV mapping tables (over names and shapes only).
        .target(name: "Megatron", dependencies: ["Tensors", "Bytes"]),
        // f16, bf16, q8 and q4 blocks, with error measurement.
        .target(name: "Quantization", dependencies: ["Tensors", "CKernels", "Bytes", "JSON"]),
        // The .decant native format: a validating mmap reader and a streaming writer.
        .target(name: "NativeFormat", dependencies: ["Quantization", "JSON", "Tensors", "CKernels", "Bytes"]),
        // Source checkpoint → canonical tensors → quantized native / safetensors / HF directory. QA (a leaf over
        // Bytes) holds the one definition of the SQuAD settings a `.decant` records.
        .target(name: "Conversion", dependencies: ["Megatron", "Quantization", "NativeFormat", "Checkpoint", "Safetensors",
                                                   "JSON", "Codec", "Tensors", "CKernels", "Bytes", "QA"]),
        // `decant inspect`: layers, metadata, architecture and streaming tensor statistics of any checkpoint file.
        .target(name: "Inspection", dependencies: ["Checkpoint", "Megatron", "NativeFormat", "Containers", "Pickle",
                                                   "Safetensors", "JSON", "Tensors", "CKernels", "Bytes"]),
        // CPU inference for Megatron-BERT QA over BLAS.
        .target(name: "Inference", dependencies: ["Quantization", "Tensors", "Bytes", "CBLAS", "CKernels", "NativeFormat", "JSON"]),
        // WordPiece tokenizer, SQuAD windows, span decoding, EM/F1 (model-agnostic: it sees logits only).
        .target(name: "QA", dependencies: ["Bytes", "JSON"]),
        // Candidate vs reference comparison with tolerances.
        .target(name: "Verification", dependencies: ["QA", "Inference", "Conversion", "NativeFormat", "Checkpoint", "Megatron",
                                                     "Quantization", "JSON", "Tensors", "Bytes"]),
        // Timers, medians and memory readings shared by the benchmark drivers below (not part of DecantKit).
        .target(name: "BenchSupport"),
        // Benchmark driver for QA models of every storage type (Tools/bench_verify.sh).
        .executableTarget(name: "VerifyBench", dependencies: ["Verification", "Inference", "BenchSupport"]),
        // Benchmark driver for Inference (Tools/bench_inference.sh).
        .executableTarget(name: "InferenceBench", dependencies: ["Inference", "Safetensors", "Tensors", "CBLAS", "BenchSupport"]),
        // Benchmark driver for opening model files (Tools/bench_open_source.sh).
        .executableTarget(name: "SourceBench", dependencies: ["Checkpoint", "Megatron", "Containers", "Codec", "Tensors", "Bytes",
                                                         "BenchSupport"]),
        // Benchmark driver for the conversion, quantization and checksum kernels (Tools/bench_kernels.sh).
        .executableTarget(name: "KernelBench", dependencies: ["Tensors", "Quantization", "NativeFormat", "Codec", "CKernels"]),
        // Benchmark driver for the torch checkpoint and pickle readers (Tools/bench_torch.sh).
        .executableTarget(name: "TorchBench", dependencies: ["Checkpoint", "Pickle", "Bytes", "BenchSupport"]),
        // Benchmark driver for opening a .decant file and reading one tensor (Tools/bench_convert.sh).
        .executableTarget(name: "ConvertBench", dependencies: ["NativeFormat", "BenchSupport"]),
        // Benchmark driver for the statistics kernel of `decant inspect --stats` (Tools/bench_inspect.sh).
        .executableTarget(name: "InspectBench", dependencies: ["Inspection", "Tensors", "Bytes", "BenchSupport"]),
        // The thin `decant` command.
        .executableTarget(name: "DecantCLI", dependencies: [
            "Bytes", "Codec", "Containers", "Pickle", "Tensors", "JSON", "Safetensors", "Checkpoint", "Megatron",
            "Quantization", "NativeFormat", "Conversion", "Inference", "QA", "Verification", "Inspection",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        .testTarget(name: "BytesTests", dependencies: ["Bytes"], path: "Tests/BytesTests"),
        .testTarget(name: "CodecTests", dependencies: ["Codec"], path: "Tests/CodecTests"),
        .testTarget(name: "ContainersTests", dependencies: ["Containers"], path: "Tests/ContainersTests"),
        .testTarget(name: "PickleTests", dependencies: ["Pickle"], path: "Tests/PickleTests"),
        .testTarget(name: "TensorsTests", dependencies: ["Tensors", "Bytes"], path: "Tests/TensorsTests"),
        .testTarget(name: "JSONTests", dependencies: ["JSON"], path: "Tests/JSONTests"),
        .testTarget(name: "SafetensorsTests", dependencies: ["Safetensors", "JSON"], path: "Tests/SafetensorsTests"),
        .testTarget(name: "CheckpointTests", dependencies: ["Checkpoint"], path: "Tests/CheckpointTests"),
        .testTarget(name: "MegatronTests", dependencies: ["Megatron", "Checkpoint"], path: "Tests/MegatronTests"),
        .testTarget(name: "QuantizationTests", dependencies: ["Quantization", "CKernels", "JSON"], path: "Tests/QuantizationTests"),
        .testTarget(name: "NativeFormatTests", dependencies: ["NativeFormat", "JSON"], path: "Tests/NativeFormatTests"),
        .testTarget(name: "ConversionTests", dependencies: ["Conversion", "NativeFormat", "Safetensors", "JSON", "Checkpoint", "Megatron",
                                                            "Quantization", "Tensors", "Codec", "Containers", "Bytes"],
                    path: "Tests/ConversionTests"),
        .testTarget(name: "InferenceTests", dependencies: ["Inference", "Safetensors", "Tensors", "Bytes", "CKernels", "Quantization"], path: "Tests/InferenceTests"),
        .testTarget(name: "QATests", dependencies: ["QA"], path: "Tests/QATests"),
        .testTarget(name: "VerificationTests", dependencies: ["Verification", "Inference", "QA", "NativeFormat", "Quantization",
                                                              "JSON", "Tensors", "Bytes", "Checkpoint", "Megatron",
                                                              "Conversion", "Containers"],
                    path: "Tests/VerificationTests"),
        .testTarget(name: "InspectionTests", dependencies: ["Inspection", "Checkpoint", "NativeFormat", "Quantization",
                                                            "JSON", "CKernels", "Tensors", "Bytes"],
                    path: "Tests/InspectionTests"),
        .testTarget(name: "CLITests", dependencies: ["Bytes", "Containers"], path: "Tests/CLITests"),
        .testTarget(name: "HardeningTests", dependencies: ["Bytes", "Codec", "Containers", "Pickle", "Checkpoint", "NativeFormat",
                                                           "Safetensors", "QA", "Conversion", "Verification"],
                    path: "Tests/HardeningTests"),
    ]
)
