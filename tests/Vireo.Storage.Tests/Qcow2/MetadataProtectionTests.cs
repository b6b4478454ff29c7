using System.Buffers.Binary;
using Vireo.Storage.Tests.Interop;

namespace Vireo.Storage.Tests.Qcow2;

/// <summary>
/// Issue 19, item 1: writes to a qcow2 whose metadata is damaged must never destroy data. The image is made by QEMU
/// (the reproduction: 0xcd at 10M+256k, 0x11 at 40M+64k), then damaged; whatever Vireo does with it, no byte
/// outside the guest's own writes may change, and QEMU must still read both patterns.
/// </summary>
public sealed class MetadataProtectionTests
{
    private const ulong GuestWrite = 200UL << 16;
    private const int GuestWriteLength = 64 << 16;

    public enum Damage
    {
        ZeroedRefcountBlock,
        ZeroRefcountTableEntry,
        L2EntryAtL1Table,
    }

    [QemuTheory]
    [InlineData(Damage.ZeroedRefcountBlock)]
    [InlineData(Damage.ZeroRefcountTableEntry)]
    [InlineData(Damage.L2EntryAtL1Table)]
    public void DamagedImageOpensReadOnlyAndLosesNothing(Damage damage)
    {
        using var dir = new TempDirectory();
        string path = MakeDamaged(dir, damage);
        byte[] before = File.ReadAllBytes(path);
        var warnings = new List<string>();
        using (IBlockDevice image = DiskImage.Open(path, warn: warnings.Add))
        {
            Assert.True(image.IsReadOnly, "an inconsistent image must not open writable");
            GuestWrites(image);
        }

        Assert.Equal(before, File.ReadAllBytes(path));
        string warning = Assert.Single(warnings);
        Assert.Contains("vireo disk check", warning, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', warning);
        AssertPatternsIntact(path);
    }

    [QemuTheory]
    [InlineData(Damage.ZeroedRefcountBlock)]
    [InlineData(Damage.ZeroRefcountTableEntry)]
    [InlineData(Damage.L2EntryAtL1Table)]
    public void DamagedImageOpenedExplicitlyWritableIsRefused(Damage damage)
    {
        using var dir = new TempDirectory();
        string path = MakeDamaged(dir, damage);
        byte[] before = File.ReadAllBytes(path);
        InvalidDataException error = Assert.Throws<InvalidDataException>(() => DiskImage.Open(path, readOnly: false).Dispose());
        Assert.Contains("vireo disk check", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(path));
    }

    [QemuFact]
    public void DamageAfterOpenFailsTheWriteMarksTheImageCorruptAndLosesNothing()
    {
        using var dir = new TempDirectory();
        string path = MakeQemuImage(dir);
        byte[] before = File.ReadAllBytes(path);
        using (IBlockDevice image = DiskImage.Open(path, readOnly: false))
        {
            // Another program zeroes the refcount block behind our back (the image is consistent when opened, and the
            // allocator has not read the block yet).
            ZeroFileRange(path, RefcountBlockOffset(before), 64 << 10);
            Assert.Throws<IOException>(() => image.Write(GuestWrite, new byte[64 << 10]));
            Assert.Throws<IOException>(() => image.Write(GuestWrite + (1 << 20), new byte[4096]));
        }

        byte[] after = File.ReadAllBytes(path);
        ulong incompatible = BinaryPrimitives.ReadUInt64BigEndian(after.AsSpan(72));
        Assert.Equal(2UL, incompatible & 2);

        // Apart from the zeroed block (not ours) and the corrupt bit, nothing changed.
        ulong block = RefcountBlockOffset(before);
        Array.Clear(before, (int)block, 64 << 10);
        before[79] |= 2;
        Assert.Equal(before.Length, after.Length);
        Assert.True(before.AsSpan().SequenceEqual(after), "bytes outside the damage and the corrupt bit changed");
        AssertPatternsIntact(path);

        InvalidDataException refused = Assert.Throws<InvalidDataException>(() => DiskImage.Open(path, readOnly: false).Dispose());
        Assert.Contains("corrupt", refused.Message, StringComparison.Ordinal);
        Assert.Contains("vireo disk check", refused.Message, StringComparison.Ordinal);
        var warnings = new List<string>();
        using (IBlockDevice image = DiskImage.Open(path, warn: warnings.Add))
        {
            Assert.True(image.IsReadOnly);
            byte[] data = new byte[4096];
            image.Read(10UL << 20, data);
            Assert.All(data, b => Assert.Equal(0xcd, b));
        }

        Assert.Contains("vireo disk check", Assert.Single(warnings), StringComparison.Ordinal);
    }

    [QemuFact]
    public void ConsistentImageStillOpensWritableAndChecksClean()
    {
        using var dir = new TempDirectory();
        string path = MakeQemuImage(dir);
        var warnings = new List<string>();
        using (IBlockDevice image = DiskImage.Open(path, warn: warnings.Add))
        {
            Assert.False(image.IsReadOnly);
            GuestWrites(image);
        }

        Assert.Empty(warnings);
        AssertPatternsIntact(path);
        QemuTools.Succeed("qemu-io", "-r", "-c", $"read -P 0 {GuestWrite} {GuestWriteLength}", path);
        QemuTools.Succeed("qemu-img", "check", path);
    }

    private static void GuestWrites(IBlockDevice image)
    {
        // The dd: 64 KiB blocks of zeroes from 200*64k, then a flush.
        byte[] zeroes = new byte[64 << 10];
        for (int i = 0; i < GuestWriteLength / zeroes.Length; i++)
        {
            try
            {
                image.Write(GuestWrite + (ulong)(i * zeroes.Length), zeroes);
            }
            catch (IOException)
            {
            }
        }

        image.Flush();
    }

    private static string MakeQemuImage(TempDirectory dir)
    {
        string path = dir.File("a.qcow2");
        QemuTools.Succeed("qemu-img", "create", "-q", "-f", "qcow2", path, "64M");
        QemuTools.Succeed("qemu-io", "-c", "write -P 0xcd 10M 256k", "-c", "write -P 0x11 40M 64k", path);
        return path;
    }

    private static string MakeDamaged(TempDirectory dir, Damage damage)
    {
        string path = MakeQemuImage(dir);
        byte[] image = File.ReadAllBytes(path);
        switch (damage)
        {
            case Damage.ZeroedRefcountBlock:
                ZeroFileRange(path, RefcountBlockOffset(image), 64 << 10);
                break;
            case Damage.ZeroRefcountTableEntry:
                ZeroFileRange(path, BinaryPrimitives.ReadUInt64BigEndian(image.AsSpan(48)), 8);
                break;
            default:
                ulong l1 = BinaryPrimitives.ReadUInt64BigEndian(image.AsSpan(40));
                ulong l2 = BinaryPrimitives.ReadUInt64BigEndian(image.AsSpan((int)l1)) & 0x00FF_FFFF_FFFF_FE00UL;
                byte[] entry = new byte[8];
                BinaryPrimitives.WriteUInt64BigEndian(entry, l1 | (1UL << 63));

                // The (unallocated) cluster at guest 20M now claims to live in the L1 table.
                WriteFileRange(path, l2 + (((20UL << 20) >> 16) * 8), entry);
                break;
        }

        return path;
    }

    private static ulong RefcountBlockOffset(byte[] image)
    {
        ulong table = BinaryPrimitives.ReadUInt64BigEndian(image.AsSpan(48));
        return BinaryPrimitives.ReadUInt64BigEndian(image.AsSpan((int)table));
    }

    private static void AssertPatternsIntact(string path) =>
        QemuTools.Succeed("qemu-io", "-r", "-c", "read -P 0xcd 10M 256k", "-c", "read -P 0x11 40M 64k", path);

    private static void ZeroFileRange(string path, ulong offset, int length) => WriteFileRange(path, offset, new byte[length]);

    private static void WriteFileRange(string path, ulong offset, byte[] data)
    {
        // dd takes no lock, so it also works while the image is open here (as another program would).
        var start = new System.Diagnostics.ProcessStartInfo("dd") { RedirectStandardInput = true, UseShellExecute = false };
        foreach (string argument in new[] { $"of={path}", $"bs={data.Length}", "count=1", $"seek={offset}", "oflag=seek_bytes", "conv=notrunc", "status=none" })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = System.Diagnostics.Process.Start(start)!;
        process.StandardInput.BaseStream.Write(data);
        process.StandardInput.Close();
        Assert.True(process.WaitForExit(30_000) && process.ExitCode == 0, "dd failed");
    }
}
