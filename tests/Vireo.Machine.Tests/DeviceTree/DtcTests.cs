using System.Diagnostics;
using Vireo.Machine.DeviceTree;

namespace Vireo.Machine.Tests.DeviceTree;

/// <summary>Debian's <c>dtc</c> (package device-tree-compiler) must accept the generated DTB without a warning.</summary>
public sealed class DtcTests
{
    [Theory]
    [InlineData(1, false)]
    [InlineData(4, true)]
    [InlineData(8, true)]
    public async Task DtcDecompilesTheVirtTreeWithoutWarnings(int harts, bool withChosenExtras)
    {
        byte[] dtb = VirtDeviceTree.Build(new VirtBoardDescription
        {
            RamSize = 2UL << 30,
            HartCount = harts,
            BootArgs = withChosenExtras ? "console=ttyS0 earlycon" : null,
            InitrdStart = withChosenExtras ? 0x8800_0000UL : null,
            InitrdEnd = withChosenExtras ? 0x8900_0000UL : null,
            RngSeed = withChosenExtras ? new byte[32] : null,
        });
        string path = Path.Combine(Path.GetTempPath(), $"vireo-dtc-{Guid.NewGuid():N}.dtb");
        File.WriteAllBytes(path, dtb);
        try
        {
            // Missing dtc must fail the test (Process.Start throws), not skip it.
            var start = new ProcessStartInfo("dtc")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            foreach (string argument in new[] { "-I", "dtb", "-O", "dts", path })
            {
                start.ArgumentList.Add(argument);
            }

            using Process dtc = Process.Start(start)!;
            Task<string> stdout = dtc.StandardOutput.ReadToEndAsync();
            string stderr = await dtc.StandardError.ReadToEndAsync();
            await dtc.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(0, dtc.ExitCode);
            Assert.Equal("", stderr);
            string dts = await stdout;
            Assert.Contains("riscv,ndev = <0x5f>;", dts, StringComparison.Ordinal);
            Assert.Contains($"cpu@{harts - 1} {{", dts, StringComparison.Ordinal);
            Assert.Contains("virtio_mmio@10010000 {", dts, StringComparison.Ordinal); // the 16th slot
            Assert.Contains("interrupts = <0x13>;", dts, StringComparison.Ordinal); // its PLIC source, 19
        }
        finally
        {
            File.Delete(path);
        }
    }
}
