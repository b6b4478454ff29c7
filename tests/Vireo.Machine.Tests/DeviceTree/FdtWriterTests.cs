using System.Text;
using Vireo.Machine.DeviceTree;

namespace Vireo.Machine.Tests.DeviceTree;

public sealed class FdtWriterTests
{
    [Fact]
    public void WritesHeaderReservationsNodesAndTypedProperties()
    {
        var fdt = new FdtWriter(bootCpuId: 3);
        fdt.AddReservation(0x8000_0000, 0x20_0000);
        fdt.BeginNode("");
        fdt.PropertyU32("#address-cells", 2);
        fdt.BeginNode("child@1");
        fdt.PropertyU64("big", 0x1122_3344_5566_7788);
        fdt.PropertyStrings("compatible", "a,b", "c");
        fdt.PropertyEmpty("flag");
        fdt.Property("odd", [1, 2, 3]);
        fdt.EndNode();
        fdt.EndNode();
        byte[] blob = fdt.Finish();

        (FdtNode root, var reservations, uint[] header) = FdtReader.Parse(blob);
        Assert.Equal(3u, header[7]);
        Assert.Equal(0, blob.Length % 8);
        Assert.Equal([(0x8000_0000UL, 0x20_0000UL)], reservations);
        Assert.Equal("", root.Name);
        Assert.Equal(2u, root.U32("#address-cells"));
        FdtNode child = Assert.Single(root.Children);
        Assert.Equal("child@1", child.Name);
        Assert.Equal(0x1122_3344_5566_7788UL, child.U64("big"));
        Assert.Equal(["a,b", "c"], child.Strings("compatible"));
        Assert.Empty(child.Get("flag"));
        Assert.Equal([1, 2, 3], child.Get("odd"));
    }

    [Fact]
    public void PropertyNamesAreStoredOnceInTheStringsBlock()
    {
        var fdt = new FdtWriter();
        fdt.BeginNode("");
        for (int i = 0; i < 5; i++)
        {
            fdt.BeginNode($"n{i}");
            fdt.PropertyU32("reg", (uint)i);
            fdt.PropertyString("compatible", "x");
            fdt.EndNode();
        }

        fdt.EndNode();
        byte[] blob = fdt.Finish();
        (_, _, uint[] header) = FdtReader.Parse(blob);
        string strings = Encoding.ASCII.GetString(blob, (int)header[3], (int)header[8]);
        Assert.Equal("reg\0compatible\0", strings);
    }

    [Fact]
    public void MisuseIsRejected()
    {
        var fdt = new FdtWriter();
        Assert.Throws<ArgumentException>(() => fdt.BeginNode("notroot"));
        Assert.Throws<InvalidOperationException>(() => fdt.PropertyU32("x", 1));
        fdt.BeginNode("");
        Assert.Throws<ArgumentException>(() => fdt.BeginNode("a/b"));
        Assert.Throws<ArgumentException>(() => fdt.BeginNode(""));
        Assert.Throws<InvalidOperationException>(() => fdt.Finish());
        fdt.EndNode();
        Assert.Throws<InvalidOperationException>(() => fdt.EndNode());
        Assert.Throws<InvalidOperationException>(() => fdt.BeginNode(""));
        fdt.Finish();
        Assert.Throws<InvalidOperationException>(() => fdt.Finish());
    }
}
