using System.Buffers.Binary;
using System.Text;

namespace Vireo.Machine.Tests.DeviceTree;

/// <summary>A strict FDT parser for the tests: checks the header, block alignment and token stream, builds the tree.</summary>
internal static class FdtReader
{
    public static (FdtNode Root, List<(ulong Address, ulong Size)> Reservations, uint[] Header) Parse(byte[] blob)
    {
        var header = new uint[10];
        for (int i = 0; i < header.Length; i++)
        {
            header[i] = BinaryPrimitives.ReadUInt32BigEndian(blob.AsSpan(i * 4));
        }

        Assert.Equal(0xD00D_FEEDu, header[0]);
        Assert.Equal((uint)blob.Length, header[1]);
        uint structOffset = header[2];
        uint stringsOffset = header[3];
        uint reserveOffset = header[4];
        Assert.Equal(17u, header[5]);
        Assert.Equal(16u, header[6]);
        uint stringsSize = header[8];
        uint structSize = header[9];
        Assert.Equal(0u, reserveOffset % 8);
        Assert.Equal(0u, structOffset % 4);
        Assert.True(structOffset + structSize <= stringsOffset);
        Assert.True(stringsOffset + stringsSize <= blob.Length);

        var reservations = new List<(ulong, ulong)>();
        for (int at = (int)reserveOffset; ; at += 16)
        {
            ulong address = BinaryPrimitives.ReadUInt64BigEndian(blob.AsSpan(at));
            ulong size = BinaryPrimitives.ReadUInt64BigEndian(blob.AsSpan(at + 8));
            if (address == 0 && size == 0)
            {
                break;
            }

            reservations.Add((address, size));
        }

        ReadOnlySpan<byte> strings = blob.AsSpan((int)stringsOffset, (int)stringsSize);
        ReadOnlySpan<byte> structure = blob.AsSpan((int)structOffset, (int)structSize);
        int pos = 0;
        var stack = new Stack<FdtNode>();
        FdtNode? root = null;
        while (true)
        {
            uint token = BinaryPrimitives.ReadUInt32BigEndian(structure[pos..]);
            pos += 4;
            switch (token)
            {
                case 1:
                    int end = structure[pos..].IndexOf((byte)0);
                    var node = new FdtNode(Encoding.UTF8.GetString(structure.Slice(pos, end)));
                    pos = Align4(pos + end + 1);
                    if (stack.Count == 0)
                    {
                        Assert.Null(root);
                        root = node;
                    }
                    else
                    {
                        stack.Peek().Children.Add(node);
                    }

                    stack.Push(node);
                    break;
                case 2:
                    stack.Pop();
                    break;
                case 3:
                    int length = (int)BinaryPrimitives.ReadUInt32BigEndian(structure[pos..]);
                    int nameOffset = (int)BinaryPrimitives.ReadUInt32BigEndian(structure[(pos + 4)..]);
                    pos += 8;
                    int nameEnd = strings[nameOffset..].IndexOf((byte)0);
                    string name = Encoding.UTF8.GetString(strings.Slice(nameOffset, nameEnd));
                    stack.Peek().Properties.Add((name, structure.Slice(pos, length).ToArray()));
                    pos = Align4(pos + length);
                    break;
                case 4:
                    break;
                case 9:
                    Assert.Empty(stack);
                    Assert.Equal(structure.Length, pos);
                    return (root!, reservations, header);
                default:
                    Assert.Fail($"Bad FDT token {token} at {pos - 4}.");
                    break;
            }
        }
    }

    private static int Align4(int value) => (value + 3) & ~3;
}
