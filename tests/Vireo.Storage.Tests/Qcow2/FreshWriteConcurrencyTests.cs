using System.Runtime.InteropServices;
using Vireo.Storage.Qcow2;

namespace Vireo.Storage.Tests.Qcow2;

/// <summary>Gathered writes that fill new clusters copy their data without the image lock; these race them.</summary>
public sealed class FreshWriteConcurrencyTests
{
    private const int Cluster = 65536;
    private const int Clusters = 128;
    private const int Size = Clusters * Cluster;

    [Fact]
    public async Task ConcurrentFreshWritesOfTheSameClustersAllocateThemOnce()
    {
        // Four writers put the same content over the same new range at the same moment, range after range. While the
        // first copies its data, the others must wait rather than allocate the clusters again (that would leak the
        // first set, which the check reports).
        using var dir = new TempDirectory();
        string path = dir.File("disk.qcow2");
        DiskImage.Create(path, DiskFormat.Qcow2, Size, clusterSize: Cluster);
        byte[] content = GC.AllocateArray<byte>(Size, pinned: true);
        new Random(9).NextBytes(content);
        nint address = Marshal.UnsafeAddrOfPinnedArrayElement(content, 0);

        using (var image = (Qcow2Image)DiskImage.Open(path))
        {
            using var barrier = new Barrier(4);
            void Writer()
            {
                var segments = new IoSegment[16];
                for (int first = 0; first < Clusters; first += 4)
                {
                    for (int s = 0; s < segments.Length; s++)
                    {
                        segments[s] = new IoSegment(address + (first * Cluster) + (s * (Cluster / 4)), Cluster / 4);
                    }

                    barrier.SignalAndWait();
                    image.WriteGathered((ulong)first * Cluster, segments);
                }
            }

            // Long-running tasks get their own threads: a barrier over pool threads waits for the pool to grow.
            var writers = new Task[4];
            for (int t = 0; t < writers.Length; t++)
            {
                writers[t] = Task.Factory.StartNew(Writer, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            }

            await Task.WhenAll(writers);
            Assert.Equal(Clusters / 4, image.FreshClusterWrites);
            DiskModel.AssertContent(image, content);
        }

        DiskCheckResult check = DiskImage.Check(path);
        Assert.True(check.IsClean, string.Join('\n', check.Messages));
        Assert.Equal((ulong)Clusters, check.AllocatedClusters);
    }
}
