using Vireo.Machine.DeviceTree;

namespace Vireo.Machine.Tests.DeviceTree;

public sealed class VirtDeviceTreeTests
{
    private static FdtNode Build(VirtBoardDescription board) => FdtReader.Parse(VirtDeviceTree.Build(board)).Root;

    [Fact]
    public void DescribesMemoryCpusAndTimebase()
    {
        FdtNode root = Build(new VirtBoardDescription { RamSize = 256UL << 20, HartCount = 2 });
        Assert.Equal(2u, root.U32("#address-cells"));
        Assert.Equal(2u, root.U32("#size-cells"));

        FdtNode memory = root.Child("memory@80000000");
        Assert.Equal("memory", memory.String("device_type"));
        Assert.Equal([0u, 0x8000_0000, 0, 0x1000_0000], memory.Cells("reg"));

        FdtNode cpus = root.Child("cpus");
        Assert.Equal(10_000_000u, cpus.U32("timebase-frequency"));
        for (int hart = 0; hart < 2; hart++)
        {
            FdtNode cpu = cpus.Child($"cpu@{hart}");
            Assert.Equal((uint)hart, cpu.U32("reg"));
            Assert.Equal("cpu", cpu.String("device_type"));
            Assert.Equal("okay", cpu.String("status"));
            Assert.Equal("riscv", cpu.String("compatible"));
            Assert.Equal("rv64imafdc_zicsr_zifencei_zihintpause_zba_zbb_zbs_sstc", cpu.String("riscv,isa"));
            Assert.Equal("rv64i", cpu.String("riscv,isa-base"));
            Assert.Equal(
                ["i", "m", "a", "f", "d", "c", "zicsr", "zifencei", "zihintpause", "zba", "zbb", "zbs", "sstc"],
                cpu.Strings("riscv,isa-extensions"));
            Assert.Equal("riscv,sv57", cpu.String("mmu-type"));

            FdtNode intc = cpu.Child("interrupt-controller");
            Assert.Equal("riscv,cpu-intc", intc.String("compatible"));
            Assert.Equal(1u, intc.U32("#interrupt-cells"));
            Assert.True(intc.Has("interrupt-controller"));
        }

        FdtNode cluster = cpus.Find("cpu-map/cluster0");
        Assert.Equal(cpus.Child("cpu@1").U32("phandle"), cluster.Child("core1").U32("cpu"));
    }

    [Fact]
    public void InterruptControllersPointAtEachHartsIntcWithTheVirtBoardsCauses()
    {
        FdtNode root = Build(new VirtBoardDescription { RamSize = 1UL << 30, HartCount = 3 });
        var intc = new uint[3];
        for (int hart = 0; hart < 3; hart++)
        {
            intc[hart] = root.Find($"cpus/cpu@{hart}/interrupt-controller").U32("phandle");
        }

        Assert.Equal(3, intc.Distinct().Count());
        FdtNode soc = root.Child("soc");
        Assert.Equal("simple-bus", soc.String("compatible"));

        FdtNode clint = soc.Child("clint@2000000");
        Assert.Equal(["sifive,clint0", "riscv,clint0"], clint.Strings("compatible"));
        Assert.Equal([0u, 0x200_0000, 0, 0x1_0000], clint.Cells("reg"));
        Assert.Equal([intc[0], 3, intc[0], 7, intc[1], 3, intc[1], 7, intc[2], 3, intc[2], 7], clint.Cells("interrupts-extended"));

        FdtNode plic = soc.Child("plic@c000000");
        Assert.Equal(["sifive,plic-1.0.0", "riscv,plic0"], plic.Strings("compatible"));
        Assert.Equal(95u, plic.U32("riscv,ndev"));
        Assert.Equal(0u, plic.U32("#address-cells"));
        Assert.Equal(1u, plic.U32("#interrupt-cells"));
        Assert.True(plic.Has("interrupt-controller"));
        Assert.Equal([intc[0], 11, intc[0], 9, intc[1], 11, intc[1], 9, intc[2], 11, intc[2], 9], plic.Cells("interrupts-extended"));
    }

    [Fact]
    public void PeripheralsSitAtTheirQemuAddressesWithPlicInterrupts()
    {
        FdtNode root = Build(new VirtBoardDescription { RamSize = 128UL << 20 });
        FdtNode soc = root.Child("soc");
        uint plic = soc.Child("plic@c000000").U32("phandle");

        FdtNode serial = soc.Child("serial@10000000");
        Assert.Equal("ns16550a", serial.String("compatible"));
        Assert.Equal(3_686_400u, serial.U32("clock-frequency"));
        Assert.Equal(10u, serial.U32("interrupts"));
        Assert.Equal(plic, serial.U32("interrupt-parent"));
        Assert.Equal([0u, 0x1000_0000, 0, 0x100], serial.Cells("reg"));

        FdtNode rtc = soc.Child("rtc@101000");
        Assert.Equal("google,goldfish-rtc", rtc.String("compatible"));
        Assert.Equal(11u, rtc.U32("interrupts"));

        FdtNode test = soc.Child("test@100000");
        Assert.Equal(["sifive,test1", "sifive,test0", "syscon"], test.Strings("compatible"));
        uint testPhandle = test.U32("phandle");
        Assert.Equal(testPhandle, root.Child("poweroff").U32("regmap"));
        Assert.Equal(0x5555u, root.Child("poweroff").U32("value"));
        Assert.Equal("syscon-poweroff", root.Child("poweroff").String("compatible"));
        Assert.Equal(0x7777u, root.Child("reboot").U32("value"));
        Assert.Equal("syscon-reboot", root.Child("reboot").String("compatible"));

        var virtio = soc.Children.Where(n => n.Name.StartsWith("virtio_mmio@", StringComparison.Ordinal)).ToList();
        Assert.Equal(16, virtio.Count);
        for (int slot = 0; slot < 16; slot++)
        {
            // QEMU's 8 slots exactly as QEMU has them (sources 1-8), then 8 more after them on sources 12-19.
            ulong address = 0x1000_1000UL + ((ulong)slot * 0x1000);
            FdtNode node = soc.Child($"virtio_mmio@{address:x}");
            Assert.Equal("virtio,mmio", node.String("compatible"));
            Assert.Equal(slot < 8 ? (uint)(slot + 1) : (uint)(12 + slot - 8), node.U32("interrupts"));
            Assert.Equal([0u, (uint)address, 0, 0x1000], node.Cells("reg"));
            Assert.Equal(plic, node.U32("interrupt-parent"));
        }

        Assert.Equal("virtio_mmio@10010000", virtio[0].Name); // QEMU's order: descending
        Assert.Equal("virtio_mmio@10001000", virtio[15].Name);
    }

    [Fact]
    public void ChosenCarriesBootargsInitrdAndConsole()
    {
        FdtNode root = Build(new VirtBoardDescription
        {
            RamSize = 512UL << 20,
            BootArgs = "console=ttyS0 quiet",
            InitrdStart = 0x8800_0000,
            InitrdEnd = 0x8812_3456,
            RngSeed = [1, 2, 3, 4],
        });
        FdtNode chosen = root.Child("chosen");
        Assert.Equal("console=ttyS0 quiet", chosen.String("bootargs"));
        Assert.Equal("/soc/serial@10000000", chosen.String("stdout-path"));
        Assert.Equal(0x8800_0000UL, chosen.U64("linux,initrd-start"));
        Assert.Equal(0x8812_3456UL, chosen.U64("linux,initrd-end"));
        Assert.Equal([1, 2, 3, 4], chosen.Get("rng-seed"));
        Assert.Equal("/soc/serial@10000000", root.Child("aliases").String("serial0"));
    }

    [Fact]
    public void OptionalChosenPropertiesAreOmittedWhenNotGiven()
    {
        FdtNode chosen = Build(new VirtBoardDescription { RamSize = 64UL << 20 }).Child("chosen");
        Assert.False(chosen.Has("bootargs"));
        Assert.False(chosen.Has("linux,initrd-start"));
        Assert.False(chosen.Has("rng-seed"));
    }

    [Fact]
    public void IsaAndMmuAreParameters()
    {
        FdtNode cpu = Build(new VirtBoardDescription { RamSize = 64UL << 20, Isa = "rv64gc_zba", MmuType = "riscv,sv39" }).Find("cpus/cpu@0");
        Assert.Equal("riscv,sv39", cpu.String("mmu-type"));
        Assert.Equal(["i", "m", "a", "f", "d", "zicsr", "zifencei", "c", "zba"], cpu.Strings("riscv,isa-extensions"));
    }

    [Theory]
    [InlineData(0, 64)]
    [InlineData(1, 0)]
    public void InconsistentDescriptionsAreRejected(int harts, int ramMiB)
    {
        Assert.Throws<ArgumentException>(() => VirtDeviceTree.Build(new VirtBoardDescription { RamSize = (ulong)ramMiB << 20, HartCount = harts }));
    }

    [Theory]
    [InlineData("x86_64")]
    [InlineData("rv64")]
    [InlineData("rv64i9")]
    public void BadIsaStringsAreRejected(string isa)
    {
        Assert.Throws<ArgumentException>(() => VirtDeviceTree.IsaExtensions(isa));
    }

    [Fact]
    public void InitrdGoesWhereQemuPutsIt()
    {
        Assert.Equal(0x8000_0000UL + (64UL << 20), VirtDeviceTree.DefaultInitrdStart(0x8000_0000, 128UL << 20));
        Assert.Equal(0x8000_0000UL + (128UL << 20), VirtDeviceTree.DefaultInitrdStart(0x8000_0000, 4UL << 30));
    }
}
