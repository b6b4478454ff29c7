using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;

namespace Vireo.Cpu.Tests.Support;

/// <summary>
/// Builds a bare-metal test program from Programs/*.S with Debian's riscv64 cross toolchain (tests/apt-packages.txt)
/// into a flat binary linked at 0x8000_0000, then runs it on the harts of a <see cref="TestMachine"/>.
/// </summary>
internal static class ProgramRunner
{
    private const string Gcc = "/usr/bin/riscv64-linux-gnu-gcc";
    private const string Objcopy = "/usr/bin/riscv64-linux-gnu-objcopy";

    public static bool ToolchainPresent => File.Exists(Gcc) && File.Exists(Objcopy);

    /// <summary>Assembles Programs/<paramref name="name"/>.S (cached by content hash) and returns the flat binary.</summary>
    public static byte[] Build(string name)
    {
        string directory = Path.Combine(AppContext.BaseDirectory, "Programs");
        string source = Path.Combine(directory, name + ".S");
        string text = File.ReadAllText(source) + File.ReadAllText(Path.Combine(directory, "common.h")) + File.ReadAllText(Path.Combine(directory, "link.ld"));
        string hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];
        string cache = Path.Combine(Path.GetTempPath(), "vireo-cpu-tests");
        Directory.CreateDirectory(cache);
        string binary = Path.Combine(cache, $"{name}-{hash}.bin");
        if (!File.Exists(binary))
        {
            string elf = Path.Combine(cache, $"{name}-{hash}.elf");
            Exec(Gcc, $"-nostdlib -nostartfiles -march=rv64gc_zba_zbb_zbs -mabi=lp64d -mcmodel=medany -Wl,-T,\"{Path.Combine(directory, "link.ld")}\" -Wl,--no-relax -I \"{directory}\" -o \"{elf}\" \"{source}\"");
            string temporary = binary + ".tmp";
            Exec(Objcopy, $"-O binary \"{elf}\" \"{temporary}\"");
            File.Move(temporary, binary, overwrite: true);
        }

        return File.ReadAllBytes(binary);
    }

    /// <summary>Runs the program on every hart (one thread each) until the finisher reports; returns its result.</summary>
    public static int Run(TestMachine machine, byte[] image, TimeSpan timeout)
    {
        var finisher = new FinisherDevice();
        finisher.Harts.AddRange(machine.Harts);
        machine.Bus.Map(0x10_0000, finisher);
        machine.Ram.TryWrite(TestMachine.RamBase, image);
        var threads = new List<Thread>();
        foreach (var hart in machine.Harts)
        {
            hart.Pc = TestMachine.RamBase;
            hart.SetRegister(10, (ulong)hart.HartId);
            var thread = new Thread(hart.Run) { IsBackground = true };
            threads.Add(thread);
            thread.Start();
        }

        bool finished = SpinWait.SpinUntil(() => finisher.Result >= 0, timeout);
        foreach (var hart in machine.Harts)
        {
            hart.RequestExit();
        }

        foreach (Thread thread in threads)
        {
            thread.Join();
        }

        return finished ? finisher.Result : -1;
    }

    private static void Exec(string file, string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        string errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(file)} failed: {errors}");
        }
    }
}
