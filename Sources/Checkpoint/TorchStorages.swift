import Bytes
import Pickle
import Tensors

/// Binds pickle tensor descriptions to bytes: each storage key's record, checked against numel × element size.
struct TorchStorages: @unchecked Sendable {
    /// Root storage key → its record (zip `data/<key>`, a legacy or tar storage's bytes).
    let records: [String: ByteView]

    /// The bytes of `storage`: exactly numel × element size, or the view window inside its root.
    func bytes(of storage: TorchStorageRef) throws(TorchCheckpointError) -> ByteView {
        guard let record = records[storage.key] else { throw .storageRecordMissing(key: storage.key) }
        let size = storage.byteCount
        guard size <= record.count else {
            throw .storageTooSmall(key: storage.key, neededBytes: size, availableBytes: record.count)
        }
        guard let view = storage.view else { return try! record.slice(offset: 0, length: size) }
        let element = storage.dtype.elementSize
        let (start, o1) = view.offset.multipliedReportingOverflow(by: element)
        let (length, o2) = view.numel.multipliedReportingOverflow(by: element)
        let (end, o3) = start.addingReportingOverflow(length)
        guard view.offset >= 0, view.numel >= 0, !o1, !o2, !o3, end <= size else {
            throw .storageViewOutOfRange(key: storage.key, viewKey: view.key, endByte: (o1 || o2 || o3) ? Int.max : end,
                                         storageBytes: size)
        }
        return try! record.slice(offset: start, length: length)
    }

    /// A validated zero-copy view of `tensor` named `name`.
    func view(of tensor: TorchTensorRef, name: String) throws -> TensorView {
        guard let dtype = DType(torch: tensor.dtype) else {
            throw TorchCheckpointError.unsupportedDType(tensor: name, dtype: tensor.dtype.rawValue)
        }
        return try TensorView(name: name, dtype: dtype, shape: tensor.shape, strides: tensor.strides,
                              storageOffset: tensor.storageOffset, storage: try bytes(of: tensor.storage))
    }
}

extension DType {
    /// The Decant dtype for a torch dtype; nil for complex and the fnuz float8 types.
    init?(torch dtype: TorchDType) {
        switch dtype {
        case .float64: self = .f64
        case .float32: self = .f32
        case .float16: self = .f16
        case .bfloat16: self = .bf16
        case .int64: self = .i64
        case .int32: self = .i32
        case .int16: self = .i16
        case .int8: self = .i8
        case .uint64: self = .u64
        case .uint32: self = .u32
        case .uint16: self = .u16
        case .uint8: self = .u8
        case .bool: self = .bool
        case .float8_e4m3fn: self = .f8E4M3
        case .float8_e5m2: self = .f8E5M2
        // The fnuz variants put NaN at 0x80 and use another bias: other formats than OCP's.
        case .complex32, .complex64, .complex128, .float8_e4m3fnuz, .float8_e5m2fnuz:
            return nil
        }
    }
}
