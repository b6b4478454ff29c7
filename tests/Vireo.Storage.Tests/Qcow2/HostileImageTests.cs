using System.Diagnostics;

namespace Vireo.Storage.Tests.Qcow2;

/// <summary>
/// Random corruption of a valid image's metadata (header, L1, L2, refcount table and blocks). Opening, reading,
/// writing and checking must end in a clean exception type or a result: no other exception, no hang, no runaway file
/// growth.
/// </summary>
public sealed class HostileImageTests
{
    [Fact]
    public void RandomMetadataCorruptionFailsCleanly()
    {
        using var dir = new TempDirectory();
        string pristine = dir.File("pristine.qcow2");
        DiskImage.Create(pristine, DiskFormat.Qcow2, 2 << 20, clusterSize: 512);
        using (IBlockDevice image = DiskImage.Open(pristine))
        {
            var fill = new Random(1);
            byte[] data = new byte[3000];
            for (int i = 0; i < 60; i++)
            {
                fill.NextBytes(data);
                image.Write((ulong)fill.Next(0, (2 << 20) - data.Length), data);
            }
        }

        byte[] original = File.ReadAllBytes(pristine);
        int metadataEnd = FindMetadataEnd(original);
        var random = new Random(99);
        string victim = dir.File("victim.qcow2");
        byte[] buffer = new byte[64 << 10];
        var clock = Stopwatch.StartNew();
        int refused = 0;
        for (int iteration = 0; iteration < 400; iteration++)
        {
            byte[] mutated = (byte[])original.Clone();
            int flips = random.Next(1, 6);
            for (int f = 0; f < flips; f++)
            {
                // Mostly metadata (header and the tables right after it), sometimes anywhere in the file.
                int at = random.Next(3) switch
                {
                    0 => random.Next(mutated.Length),
                    1 => random.Next(metadataEnd),
                    _ => random.Next(4 * 512), // header, refcount table, refcount block, L1 table
                };
                mutated[at] = random.Next(4) switch
                {
                    0 => 0xFF,
                    1 => 0,
                    _ => (byte)random.Next(256),
                };
            }

            File.WriteAllBytes(victim, mutated);
            try
            {
                using IBlockDevice image = DiskImage.Open(victim, readOnly: random.Next(2) == 0);
                for (ulong offset = 0; offset < image.Length; offset += (ulong)buffer.Length)
                {
                    image.Read(offset, buffer.AsSpan(0, (int)Math.Min((ulong)buffer.Length, image.Length - offset)));
                }

                if (!image.IsReadOnly)
                {
                    image.Write((ulong)random.Next(0, (int)Math.Min(image.Length, 1 << 20)) & ~511UL, buffer.AsSpan(0, 4096));
                    image.Discard(0, Math.Min(image.Length, 64 << 10));
                    image.Flush();
                }
            }
            catch (Exception error) when (error is IOException or InvalidDataException)
            {
                refused++;
            }

            try
            {
                DiskImage.Check(victim);
            }
            catch (InvalidDataException)
            {
            }

            Assert.True(new FileInfo(victim).Length < original.Length + (8 << 20), $"iteration {iteration}: the file grew to {new FileInfo(victim).Length}");
        }

        Assert.True(refused > 40, $"only {refused} corruptions were noticed");
        Assert.True(clock.Elapsed < TimeSpan.FromMinutes(2), $"fuzzing took {clock.Elapsed}");
    }

    private static int FindMetadataEnd(byte[] image)
    {
        // The created layout puts header, refcount table, refcount blocks and L1 first; L2 tables follow data.
        // Covering the first 64 clusters (512 bytes each) hits all of them plus early L2 tables.
        return Math.Min(image.Length, 64 * 512);
    }
}
