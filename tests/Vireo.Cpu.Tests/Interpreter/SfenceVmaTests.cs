using Vireo.Cpu.Tests.Support;
using static Vireo.Cpu.Tests.Support.Asm;

namespace Vireo.Cpu.Tests.Interpreter;

/// <summary>
/// SFENCE.VMA with an address drops the translations that address may have left, including 4 KiB pieces of a superpage
/// other than the one named, and keeps translations elsewhere; without an address it drops everything.
/// </summary>
public sealed class SfenceVmaTests : IDisposable
{
    private const ulong Base = TestMachine.RamBase;
    private const ulong Root = Base + 0x10000;
    private const ulong LowL1 = Base + 0x11000;
    private const ulong LowL0 = Base + 0x12000;
    private const ulong HighL1 = Base + 0x13000;

    // Virtual addresses: a 4 KiB page in the first GiB and a 2 MiB superpage in the second.
    private const ulong SmallPage = 0x1000;
    private const ulong MegaPage = 0x4000_0000;
    private const ulong InMegaPage = MegaPage + 0x21000;

    private const ulong V = 1, R = 2, W = 4, X = 8, A = 64, D = 128;
    private readonly TestMachine _m = new();

    public SfenceVmaTests()
    {
        _m.AllowAllPhysicalMemory();

        _m.Write64(Root + (0 * 8), Table(LowL1));
        _m.Write64(LowL1 + (0 * 8), Table(LowL0));
        _m.Write64(LowL0 + (1 * 8), Leaf(Base + 0x20000));
        _m.Write64(Root + (1 * 8), Table(HighL1));
        _m.Write64(HighL1 + (0 * 8), Leaf(Base));
        _m.Write64(Root + (2 * 8), Leaf(Base) | X); // the code: a gigapage mapping itself

        _m.Write64(Base + 0x20000, 111);
        _m.Write64(Base + 0x22000, 333);
        _m.Write64(Base + 0x21000, 222);
        _m.Write64(Base + 0x20_0000 + 0x21000, 444);

        _m.Load(
            Base,
            Ld(5, 10, 0), // caches the 4 KiB page
            Ld(6, 11, 0), // caches one piece of the superpage
            SfenceVma(10, 0),
            Ld(7, 10, 0),
            Ld(8, 11, 0),
            SfenceVma(12, 0),
            Ld(9, 11, 0));
        _m.Hart.SetRegister(10, SmallPage);
        _m.Hart.SetRegister(11, InMegaPage);
        _m.Hart.SetRegister(12, MegaPage);
        _m.Hart.WriteCsr(0x180, (8UL << 60) | (Root >> 12));
        _m.Hart.Pc = Base;
        _m.Hart.Mode = PrivilegeMode.Supervisor;
    }

    public void Dispose() => _m.Dispose();

    [Fact]
    public void An_address_fence_drops_that_page_and_keeps_translations_in_other_gigabytes()
    {
        _m.Step(2);
        Assert.Equal(111ul, _m.X(5));
        Assert.Equal(222ul, _m.X(6));

        // Both mappings change; only the small page is fenced.
        _m.Write64(LowL0 + (1 * 8), Leaf(Base + 0x22000));
        _m.Write64(HighL1 + (0 * 8), Leaf(Base + 0x20_0000));
        _m.Step(3);

        Assert.Equal(333ul, _m.X(7));
        Assert.Equal(222ul, _m.X(8)); // still the cached translation: the fence named another GiB
    }

    [Fact]
    public void An_address_fence_on_a_superpage_drops_its_other_pieces()
    {
        _m.Step(2);
        _m.Write64(HighL1 + (0 * 8), Leaf(Base + 0x20_0000));
        _m.Step(5); // fences the small page, loads twice, then fences the superpage by its base address

        Assert.Equal(444ul, _m.X(9));
    }

    [Fact]
    public void A_fence_without_an_address_drops_everything()
    {
        _m.Load(Base, Ld(5, 11, 0), SfenceVma(0, 0), Ld(6, 11, 0));
        _m.Step(1);
        _m.Write64(HighL1 + (0 * 8), Leaf(Base + 0x20_0000));
        _m.Step(2);

        Assert.Equal(222ul, _m.X(5));
        Assert.Equal(444ul, _m.X(6));
    }

    private static ulong Table(ulong address) => ((address >> 12) << 10) | V;

    private static ulong Leaf(ulong address) => ((address >> 12) << 10) | V | R | W | A | D;
}
