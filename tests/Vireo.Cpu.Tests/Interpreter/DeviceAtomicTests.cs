using Vireo.Cpu.Tests.Support;
using static Vireo.Cpu.Tests.Support.Asm;

namespace Vireo.Cpu.Tests.Interpreter;

/// <summary>AMOs on device registers from harts on different host threads.</summary>
public sealed class DeviceAtomicTests : IDisposable
{
    private const ulong Base = TestMachine.RamBase;
    private const int Iterations = 20_000;
    private readonly TestMachine _m = new(harts: 2);

    public void Dispose() => _m.Dispose();

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Amoadd_on_a_device_register_loses_no_update_between_two_harts(bool word)
    {
        // x5 = register address, x6 = 1, x7 = count; loop: amoadd x0, x6, (x5); x7 -= 1; bnez x7, loop; then spin.
        _m.Load(Base, Amo(0x00, word, 0, 5, 6), Addi(7, 7, -1), Bne(7, 0, -8), Jal(0, 0));
        foreach (var hart in _m.Harts)
        {
            hart.SetRegister(5, TestMachine.DeviceBase + 0x40);
            hart.SetRegister(6, 1);
            hart.SetRegister(7, Iterations);
            hart.Pc = Base;
        }

        Thread[] threads = Array.ConvertAll(_m.Harts, hart => new Thread(() =>
        {
            ulong target = (3 * (ulong)Iterations) + 1;
            while (hart.InstructionsRetired < target)
            {
                hart.RunBlock((long)(target - hart.InstructionsRetired));
            }
        }));
        foreach (Thread thread in threads)
        {
            thread.Start();
        }

        foreach (Thread thread in threads)
        {
            thread.Join();
        }

        Assert.All(_m.Harts, hart => Assert.Equal(0ul, hart.GetRegister(7)));
        Assert.Equal(2ul * Iterations, _m.Device.Read(0x40, word ? 4 : 8));
    }
}
