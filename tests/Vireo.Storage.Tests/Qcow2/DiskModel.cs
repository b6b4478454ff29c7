namespace Vireo.Storage.Tests.Qcow2;

/// <summary>
/// Drives an image and an in-memory copy of what it must contain with the same seeded random operations
/// (writes, rewrites, discards, write-zeroes), checking reads against the model as it goes.
/// </summary>
internal static class DiskModel
{
    public static void RunRandomOperations(IBlockDevice device, byte[] model, int seed, int operations, int maxLength)
    {
        var random = new Random(seed);
        byte[] scratch = new byte[maxLength];
        for (int i = 0; i < operations; i++)
        {
            int length = random.Next(1, maxLength / 512 + 1) * 512;
            int offset = random.Next(0, (model.Length - length) / 512 + 1) * 512;
            if (random.Next(4) == 0)
            {
                // Unaligned offsets and lengths too: the block layer allows byte granularity.
                offset += random.Next(0, 512);
                length = Math.Min(length - random.Next(0, 512), model.Length - offset);
            }

            switch (random.Next(10))
            {
                case < 6:
                    random.NextBytes(scratch.AsSpan(0, length));
                    device.Write((ulong)offset, scratch.AsSpan(0, length));
                    scratch.AsSpan(0, length).CopyTo(model.AsSpan(offset));
                    break;
                case 6:
                    device.Discard((ulong)offset, (ulong)length);
                    model.AsSpan(offset, length).Clear();
                    break;
                case 7:
                    device.WriteZeroes((ulong)offset, (ulong)length);
                    model.AsSpan(offset, length).Clear();
                    break;
                default:
                    device.Read((ulong)offset, scratch.AsSpan(0, length));
                    if (!scratch.AsSpan(0, length).SequenceEqual(model.AsSpan(offset, length)))
                    {
                        Assert.Fail($"operation {i}: read at {offset} (+{length}) differs from the model");
                    }

                    break;
            }
        }
    }

    public static void AssertContent(IBlockDevice device, byte[] model)
    {
        byte[] content = new byte[model.Length];
        device.Read(0, content);
        for (int at = 0; at < model.Length; at += 512)
        {
            if (!content.AsSpan(at, 512).SequenceEqual(model.AsSpan(at, 512)))
            {
                Assert.Fail($"sector at {at} differs from the model");
            }
        }
    }
}
