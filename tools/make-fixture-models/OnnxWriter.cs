using System.Text;

namespace DepthPlugins.Fixtures;

/// <summary>
/// A minimal protobuf encoder for the handful of ONNX messages a fixture model needs, written from onnx.proto
/// (field numbers quoted beside each call). Only what the fixtures use: no parsing, no packed repeated int64 for
/// dims (proto2 default), raw little-endian tensor data.
/// </summary>
public sealed class Proto
{
    readonly MemoryStream _s = new();

    public byte[] ToArray() => _s.ToArray();

    void Varint(ulong v)
    {
        while (v >= 0x80) { _s.WriteByte((byte)(v | 0x80)); v >>= 7; }
        _s.WriteByte((byte)v);
    }

    void Tag(int field, int wireType) => Varint((ulong)((field << 3) | wireType));

    public Proto Int(int field, long v) { Tag(field, 0); Varint((ulong)v); return this; }

    public Proto Bytes(int field, byte[] b) { Tag(field, 2); Varint((ulong)b.Length); _s.Write(b); return this; }

    public Proto Str(int field, string s) => Bytes(field, Encoding.UTF8.GetBytes(s));

    public Proto Msg(int field, Proto m) => Bytes(field, m.ToArray());
}

/// <summary>Builders for ONNX ModelProto / GraphProto / NodeProto / TensorProto / ValueInfoProto.</summary>
public static class Onnx
{
    public const int Float = 1, Int64 = 7; // TensorProto.DataType

    /// <summary>TensorProto: dims = 1, data_type = 2, name = 8, raw_data = 9.</summary>
    public static Proto Tensor(string name, long[] dims, float[] values)
    {
        var raw = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++) BitConverter.TryWriteBytes(raw.AsSpan(i * 4), values[i]);
        return TensorRaw(name, dims, Float, raw);
    }

    public static Proto Tensor(string name, long[] dims, long[] values)
    {
        var raw = new byte[values.Length * 8];
        for (int i = 0; i < values.Length; i++) BitConverter.TryWriteBytes(raw.AsSpan(i * 8), values[i]);
        return TensorRaw(name, dims, Int64, raw);
    }

    static Proto TensorRaw(string name, long[] dims, int type, byte[] raw)
    {
        var t = new Proto();
        foreach (var d in dims) t.Int(1, d);
        return t.Int(2, type).Str(8, name).Bytes(9, raw);
    }

    /// <summary>
    /// ValueInfoProto (name = 1, type = 2) of a tensor: TypeProto.tensor_type = 1 { elem_type = 1, shape = 2 },
    /// TensorShapeProto.dim = 1 { dim_value = 1 | dim_param = 2 }. A dimension is a long (fixed) or a string (symbolic).
    /// </summary>
    public static Proto Value(string name, int elemType, params object[] dims)
    {
        var shape = new Proto();
        foreach (var d in dims)
            shape.Msg(1, d is string s ? new Proto().Str(2, s) : new Proto().Int(1, Convert.ToInt64(d)));
        var tensorType = new Proto().Int(1, elemType).Msg(2, shape);
        return new Proto().Str(1, name).Msg(2, new Proto().Msg(1, tensorType));
    }

    /// <summary>NodeProto: input = 1, output = 2, name = 3, op_type = 4, attribute = 5.</summary>
    public static Proto Node(string op, string[] inputs, string[] outputs, params Proto[] attributes)
    {
        var n = new Proto();
        foreach (var i in inputs) n.Str(1, i);
        foreach (var o in outputs) n.Str(2, o);
        n.Str(3, op + "_" + outputs[0]).Str(4, op);
        foreach (var a in attributes) n.Msg(5, a);
        return n;
    }

    /// <summary>AttributeProto with a list of ints: name = 1, ints = 8, type = 20 (INTS = 7).</summary>
    public static Proto Ints(string name, params long[] values)
    {
        var a = new Proto().Str(1, name);
        foreach (var v in values) a.Int(8, v);
        return a.Int(20, 7);
    }

    /// <summary>GraphProto: node = 1, name = 2, initializer = 5, input = 11, output = 12.</summary>
    public static Proto Graph(string name, Proto[] nodes, Proto[] initializers, Proto[] inputs, Proto[] outputs)
    {
        var g = new Proto();
        foreach (var n in nodes) g.Msg(1, n);
        g.Str(2, name);
        foreach (var t in initializers) g.Msg(5, t);
        foreach (var i in inputs) g.Msg(11, i);
        foreach (var o in outputs) g.Msg(12, o);
        return g;
    }

    /// <summary>ModelProto: ir_version = 1, producer_name = 2, graph = 7, opset_import = 8 { domain = 1, version = 2 }.</summary>
    public static byte[] Model(Proto graph, int opset = 17) =>
        new Proto().Int(1, 8).Str(2, "depthplugins-fixtures").Msg(7, graph).Msg(8, new Proto().Str(1, "").Int(2, opset)).ToArray();
}
