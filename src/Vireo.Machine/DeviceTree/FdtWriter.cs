using System.Buffers.Binary;
using System.Text;

namespace Vireo.Machine.DeviceTree;

/// <summary>
/// Writes a flattened device tree blob (DTB, version 17, last compatible version 16): header, memory reservation
/// block, structure block and a deduplicated strings block, all big-endian. Build it depth-first with
/// <see cref="BeginNode"/>, properties, <see cref="EndNode"/>, then call <see cref="Finish"/>.
/// </summary>
public sealed class FdtWriter
{
    /// <summary>The FDT magic number.</summary>
    public const uint Magic = 0xD00D_FEED;

    /// <summary>The format version written.</summary>
    public const uint Version = 17;

    /// <summary>The oldest version this output is compatible with.</summary>
    public const uint LastCompatibleVersion = 16;

    internal const uint TokenBeginNode = 1;
    internal const uint TokenEndNode = 2;
    internal const uint TokenProp = 3;
    internal const uint TokenEnd = 9;

    private const int HeaderSize = 40;

    private readonly List<(ulong Address, ulong Size)> _reservations = [];
    private readonly Dictionary<string, int> _stringOffsets = new(StringComparer.Ordinal);
    private readonly List<byte> _strings = [];
    private readonly uint _bootCpuId;
    private byte[] _structure = new byte[4096];
    private int _length;
    private int _depth;
    private bool _finished;

    /// <summary>Creates an empty tree.</summary>
    /// <param name="bootCpuId">The physical id of the boot CPU recorded in the header.</param>
    public FdtWriter(uint bootCpuId = 0)
    {
        _bootCpuId = bootCpuId;
    }

    /// <summary>Adds a memory reservation entry (a range the OS must not use).</summary>
    public void AddReservation(ulong address, ulong size)
    {
        EnsureOpen();
        _reservations.Add((address, size));
    }

    /// <summary>Opens a node. The first node is the root and must be named "".</summary>
    public void BeginNode(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        EnsureOpen();
        if ((_depth == 0) != (name.Length == 0))
        {
            throw new ArgumentException("Only the root node has an empty name.", nameof(name));
        }

        if (_depth == 0 && _length != 0)
        {
            throw new InvalidOperationException("A device tree has exactly one root node.");
        }

        if (name.Contains('/', StringComparison.Ordinal) || name.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException($"Invalid node name '{name}'.", nameof(name));
        }

        AppendU32(TokenBeginNode);
        AppendString(name);
        _depth++;
    }

    /// <summary>Closes the innermost open node.</summary>
    public void EndNode()
    {
        EnsureOpen();
        if (_depth == 0)
        {
            throw new InvalidOperationException("No node is open.");
        }

        AppendU32(TokenEndNode);
        _depth--;
    }

    /// <summary>Adds a property with raw bytes as its value.</summary>
    public void Property(string name, ReadOnlySpan<byte> value)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        EnsureOpen();
        if (_depth == 0)
        {
            throw new InvalidOperationException("Properties belong to a node.");
        }

        AppendU32(TokenProp);
        AppendU32((uint)value.Length);
        AppendU32((uint)StringOffset(name));
        Append(value);
        Align4();
    }

    /// <summary>Adds a property with no value (a flag such as <c>interrupt-controller</c>).</summary>
    public void PropertyEmpty(string name) => Property(name, []);

    /// <summary>Adds a one-cell (32-bit) property.</summary>
    public void PropertyU32(string name, uint value) => PropertyCells(name, value);

    /// <summary>Adds a two-cell (64-bit) property.</summary>
    public void PropertyU64(string name, ulong value) => PropertyCells(name, (uint)(value >> 32), (uint)value);

    /// <summary>Adds a property of 32-bit cells.</summary>
    public void PropertyCells(string name, params ReadOnlySpan<uint> cells)
    {
        Span<byte> bytes = cells.Length <= 64 ? stackalloc byte[cells.Length * 4] : new byte[cells.Length * 4];
        for (int i = 0; i < cells.Length; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(bytes[(i * 4)..], cells[i]);
        }

        Property(name, bytes);
    }

    /// <summary>Adds a NUL-terminated string property.</summary>
    public void PropertyString(string name, string value) => PropertyStrings(name, value);

    /// <summary>Adds a string-list property (each string NUL-terminated, concatenated).</summary>
    public void PropertyStrings(string name, params ReadOnlySpan<string> values)
    {
        var bytes = new List<byte>();
        foreach (string value in values)
        {
            ArgumentNullException.ThrowIfNull(value);
            if (value.Contains('\0', StringComparison.Ordinal))
            {
                throw new ArgumentException("Strings cannot contain NUL.", nameof(values));
            }

            bytes.AddRange(Encoding.UTF8.GetBytes(value));
            bytes.Add(0);
        }

        Property(name, bytes.ToArray());
    }

    /// <summary>Closes the structure block and returns the complete blob.</summary>
    public byte[] Finish()
    {
        EnsureOpen();
        if (_depth != 0 || _length == 0)
        {
            throw new InvalidOperationException("The root node must be opened and closed before finishing.");
        }

        AppendU32(TokenEnd);
        _finished = true;

        int reservationOffset = HeaderSize;
        int reservationSize = (_reservations.Count + 1) * 16;
        int structureOffset = reservationOffset + reservationSize;
        int stringsOffset = structureOffset + _length;
        int total = Align(stringsOffset + _strings.Count, 8);

        byte[] blob = new byte[total];
        Span<byte> span = blob;
        BinaryPrimitives.WriteUInt32BigEndian(span[0..], Magic);
        BinaryPrimitives.WriteUInt32BigEndian(span[4..], (uint)total);
        BinaryPrimitives.WriteUInt32BigEndian(span[8..], (uint)structureOffset);
        BinaryPrimitives.WriteUInt32BigEndian(span[12..], (uint)stringsOffset);
        BinaryPrimitives.WriteUInt32BigEndian(span[16..], (uint)reservationOffset);
        BinaryPrimitives.WriteUInt32BigEndian(span[20..], Version);
        BinaryPrimitives.WriteUInt32BigEndian(span[24..], LastCompatibleVersion);
        BinaryPrimitives.WriteUInt32BigEndian(span[28..], _bootCpuId);
        BinaryPrimitives.WriteUInt32BigEndian(span[32..], (uint)_strings.Count);
        BinaryPrimitives.WriteUInt32BigEndian(span[36..], (uint)_length);

        int at = reservationOffset;
        foreach ((ulong address, ulong size) in _reservations)
        {
            BinaryPrimitives.WriteUInt64BigEndian(span[at..], address);
            BinaryPrimitives.WriteUInt64BigEndian(span[(at + 8)..], size);
            at += 16;
        }

        // The terminating all-zero entry is already zero.
        _structure.AsSpan(0, _length).CopyTo(span[structureOffset..]);
        for (int i = 0; i < _strings.Count; i++)
        {
            blob[stringsOffset + i] = _strings[i];
        }

        return blob;
    }

    private static int Align(int value, int alignment) => (value + alignment - 1) & ~(alignment - 1);

    private void EnsureOpen()
    {
        if (_finished)
        {
            throw new InvalidOperationException("The device tree is already finished.");
        }
    }

    private int StringOffset(string name)
    {
        if (!_stringOffsets.TryGetValue(name, out int offset))
        {
            offset = _strings.Count;
            _strings.AddRange(Encoding.UTF8.GetBytes(name));
            _strings.Add(0);
            _stringOffsets.Add(name, offset);
        }

        return offset;
    }

    private void AppendU32(uint value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        Append(bytes);
    }

    private void AppendString(string value)
    {
        Append(Encoding.UTF8.GetBytes(value));
        Append([0]);
        Align4();
    }

    private void Align4()
    {
        int padding = Align(_length, 4) - _length;
        Span<byte> zeros = stackalloc byte[4];
        zeros.Clear();
        Append(zeros[..padding]);
    }

    private void Append(ReadOnlySpan<byte> bytes)
    {
        if (_length + bytes.Length > _structure.Length)
        {
            Array.Resize(ref _structure, Math.Max(_structure.Length * 2, _length + bytes.Length));
        }

        bytes.CopyTo(_structure.AsSpan(_length));
        _length += bytes.Length;
    }
}
