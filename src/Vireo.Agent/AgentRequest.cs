using System.Buffers.Binary;
using System.Text;

namespace Vireo.Agent;

/// <summary>Builds a request frame's payload: version, operation, then le32/u8/le64 fields and le32-length strings.</summary>
internal sealed class AgentRequest
{
    private readonly MemoryStream _bytes = new();

    public AgentRequest(AgentOperation operation)
    {
        _bytes.WriteByte(AgentFrame.ProtocolVersion);
        _bytes.WriteByte((byte)operation);
    }

    public AgentRequest U8(byte value)
    {
        _bytes.WriteByte(value);
        return this;
    }

    public AgentRequest U32(uint value)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(b, value);
        _bytes.Write(b);
        return this;
    }

    public AgentRequest U64(ulong value)
    {
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(b, value);
        _bytes.Write(b);
        return this;
    }

    public AgentRequest String(string value)
    {
        byte[] utf8 = Encoding.UTF8.GetBytes(value);
        if (Array.IndexOf(utf8, (byte)0) >= 0)
        {
            throw new ArgumentException("Strings sent to the agent cannot contain NUL.", nameof(value));
        }

        U32((uint)utf8.Length);
        _bytes.Write(utf8);
        return this;
    }

    public byte[] ToArray() => _bytes.ToArray();
}
