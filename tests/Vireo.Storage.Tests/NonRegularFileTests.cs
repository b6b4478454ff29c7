using System.Diagnostics;

namespace Vireo.Storage.Tests;

/// <summary>
/// Issue 19, item 5: an image path that is a FIFO blocked forever in open. Every entry point refuses anything but a
/// regular file or block device, at once and without opening it; a directory says "is a directory".
/// </summary>
public sealed class NonRegularFileTests
{
    public static TheoryData<string> EntryPoints => ["open", "open-readonly", "probe", "check", "inspect", "convert", "create-backing", "backing-of"];

    [Theory]
    [MemberData(nameof(EntryPoints))]
    public void FifoIsRefusedWithoutBlocking(string entry)
    {
        using var dir = new TempDirectory();
        string fifo = dir.File("pipe");
        using (Process mkfifo = Process.Start("mkfifo", fifo))
        {
            mkfifo.WaitForExit();
            Assert.Equal(0, mkfifo.ExitCode);
        }

        InvalidDataException error = RunBounded(() => Call(entry, fifo, dir));
        Assert.Contains("FIFO", error.Message, StringComparison.Ordinal);
        Assert.Contains("regular files and block devices", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(EntryPoints))]
    public void DirectoryIsNamedAsSuch(string entry)
    {
        using var dir = new TempDirectory();
        string sub = Directory.CreateDirectory(dir.File("sub")).FullName;
        InvalidDataException error = RunBounded(() => Call(entry, sub, dir));
        Assert.Contains("is a directory", error.Message, StringComparison.Ordinal);
    }

    private static void Call(string entry, string path, TempDirectory dir)
    {
        switch (entry)
        {
            case "open":
                DiskImage.Open(path).Dispose();
                break;
            case "open-readonly":
                DiskImage.Open(path, readOnly: true).Dispose();
                break;
            case "probe":
                DiskImage.Probe(path);
                break;
            case "check":
                DiskImage.Check(path);
                break;
            case "inspect":
                DiskImage.Inspect(path);
                break;
            case "convert":
                DiskImage.Convert(path, null, dir.File("out.raw"), DiskFormat.Raw);
                break;
            case "create-backing":
                DiskImage.Create(dir.File("ov.qcow2"), DiskFormat.Qcow2, null, path);
                break;
            default:
                // An existing overlay whose backing file became a FIFO.
                string overlay = dir.File("ov2.qcow2");
                string backing = dir.File("base.raw");
                File.WriteAllBytes(backing, new byte[65536]);
                DiskImage.Create(overlay, DiskFormat.Qcow2, null, backing, DiskFormat.Raw);
                File.Delete(backing);
                if (Directory.Exists(path))
                {
                    Directory.Move(path, backing);
                }
                else
                {
                    File.Move(path, backing);
                }

                DiskImage.Open(overlay).Dispose();
                break;
        }
    }

    private static InvalidDataException RunBounded(Action action)
    {
        Task<Exception?> task = Task.Run(() =>
        {
            try
            {
                action();
                return null;
            }
            catch (Exception error)
            {
                return error;
            }
        });
        Assert.True(task.Wait(TimeSpan.FromSeconds(10)), "the call blocked");
        return Assert.IsType<InvalidDataException>(task.Result);
    }
}
