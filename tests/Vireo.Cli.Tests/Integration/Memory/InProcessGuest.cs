using System.Diagnostics;
using System.Text;
using Vireo.Cli.Guest;
using Vireo.Cli.Run;
using Vireo.Cpu.Jit;
using Vireo.Devices.Virtio.Balloon;
using Vireo.Machine;

namespace Vireo.Cli.Tests.Integration.Memory;

/// <summary>
/// The default guest booted in this test process (not a child process), so a test can drive the machine's memory
/// API (balloon target, memory stats) while the guest runs a shell command and watch its console.
/// </summary>
internal sealed class InProcessGuest : IDisposable
{
    private readonly StringBuilder _console = new();
    private readonly Thread _thread;
    private MachineExit? _exit;

    public InProcessGuest(string command, ulong memory, BalloonOptions? balloon)
    {
        GuestArtifacts artifacts = GuestArtifacts.Locate();
        var config = new MachineConfig
        {
            MemorySize = memory,
            KernelPath = artifacts.Kernel,
            InitrdPath = artifacts.Initrd,
            CommandLine = $"console=ttyS0 earlycon quiet {ExecCommandLine.Encode(command)}",
            Balloon = balloon,
            NoReboot = true,
        };
        Machine = new VirtMachine(config, new JitEngine(), Output);
        _thread = new Thread(() => Volatile.Write(ref _exit, Machine.Run())) { IsBackground = true, Name = "in-process guest" };
        _thread.Start();
    }

    public VirtMachine Machine { get; }

    public string Console
    {
        get
        {
            lock (_console)
            {
                return _console.ToString();
            }
        }
    }

    public MachineExit? Exit => Volatile.Read(ref _exit);

    /// <summary>Waits for <paramref name="marker"/> on the console and returns the line holding it; fails the test on exit or timeout.</summary>
    public string WaitFor(string marker, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < timeout)
        {
            string text = Console;
            int at = text.IndexOf(marker, StringComparison.Ordinal);
            int end = at < 0 ? -1 : text.IndexOf('\n', at);
            if (end > 0)
            {
                int start = text.LastIndexOf('\n', at) + 1;
                return text[start..end].TrimEnd('\r');
            }

            if (Exit is not null)
            {
                Assert.Fail($"the guest exited ({Exit.Reason}) before printing '{marker}'.\n{text}");
            }

            Thread.Sleep(50);
        }

        Assert.Fail($"the guest did not print '{marker}' within {timeout}.\n{Console}");
        return string.Empty;
    }

    /// <summary>Waits until the guest powers off (or fails) and returns how it ended.</summary>
    public MachineExit WaitForExit(TimeSpan timeout)
    {
        if (!_thread.Join(timeout))
        {
            Assert.Fail($"the guest did not finish within {timeout}.\n{Console}");
        }

        return Exit!;
    }

    /// <summary>Polls <paramref name="condition"/> every 200 ms for up to <paramref name="timeout"/>; true once it held.</summary>
    public static bool Eventually(Func<bool> condition, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            if (watch.Elapsed > timeout)
            {
                return false;
            }

            Thread.Sleep(200);
        }

        return true;
    }

    public void Dispose()
    {
        Machine.Stop("test over");
        _thread.Join();
        Machine.Dispose();
    }

    private void Output(ReadOnlySpan<byte> bytes)
    {
        string text = Encoding.UTF8.GetString(bytes);
        lock (_console)
        {
            _console.Append(text);
        }
    }
}
