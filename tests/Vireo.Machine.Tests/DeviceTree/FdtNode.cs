using System.Buffers.Binary;
using System.Text;

namespace Vireo.Machine.Tests.DeviceTree;

/// <summary>A parsed device tree node (test side).</summary>
internal sealed class FdtNode(string name)
{
    public string Name { get; } = name;

    public List<(string Name, byte[] Value)> Properties { get; } = [];

    public List<FdtNode> Children { get; } = [];

    public bool Has(string property) => Properties.Exists(p => p.Name == property);

    public byte[] Get(string property)
    {
        foreach ((string name, byte[] value) in Properties)
        {
            if (name == property)
            {
                return value;
            }
        }

        throw new KeyNotFoundException($"{Name} has no property {property}.");
    }

    public uint U32(string property)
    {
        byte[] value = Get(property);
        Assert.Equal(4, value.Length);
        return BinaryPrimitives.ReadUInt32BigEndian(value);
    }

    public ulong U64(string property)
    {
        byte[] value = Get(property);
        Assert.Equal(8, value.Length);
        return BinaryPrimitives.ReadUInt64BigEndian(value);
    }

    public uint[] Cells(string property)
    {
        byte[] value = Get(property);
        Assert.Equal(0, value.Length % 4);
        var cells = new uint[value.Length / 4];
        for (int i = 0; i < cells.Length; i++)
        {
            cells[i] = BinaryPrimitives.ReadUInt32BigEndian(value.AsSpan(i * 4));
        }

        return cells;
    }

    public string[] Strings(string property)
    {
        byte[] value = Get(property);
        Assert.True(value.Length > 0 && value[^1] == 0, $"{property} is not NUL-terminated");
        return Encoding.UTF8.GetString(value, 0, value.Length - 1).Split('\0');
    }

    public string String(string property) => Assert.Single(Strings(property));

    public FdtNode Child(string name) =>
        Children.Find(c => c.Name == name) ?? throw new KeyNotFoundException($"{Name} has no child {name}.");

    public FdtNode Find(string path)
    {
        FdtNode node = this;
        foreach (string part in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            node = node.Child(part);
        }

        return node;
    }
}
