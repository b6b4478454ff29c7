namespace Vireo.Cpu.State;

/// <summary>CSR numbers the hart implements.</summary>
internal static class Csr
{
    public const int Fflags = 0x001;
    public const int Frm = 0x002;
    public const int Fcsr = 0x003;
    public const int Cycle = 0xC00;
    public const int Time = 0xC01;
    public const int Instret = 0xC02;
    public const int HpmCounter3 = 0xC03;
    public const int HpmCounter31 = 0xC1F;
    public const int Sstatus = 0x100;
    public const int Sie = 0x104;
    public const int Stvec = 0x105;
    public const int Scounteren = 0x106;
    public const int Senvcfg = 0x10A;
    public const int Sscratch = 0x140;
    public const int Sepc = 0x141;
    public const int Scause = 0x142;
    public const int Stval = 0x143;
    public const int Sip = 0x144;
    public const int Stimecmp = 0x14D;
    public const int Satp = 0x180;
    public const int Mvendorid = 0xF11;
    public const int Marchid = 0xF12;
    public const int Mimpid = 0xF13;
    public const int Mhartid = 0xF14;
    public const int Mconfigptr = 0xF15;
    public const int Mstatus = 0x300;
    public const int Misa = 0x301;
    public const int Medeleg = 0x302;
    public const int Mideleg = 0x303;
    public const int Mie = 0x304;
    public const int Mtvec = 0x305;
    public const int Mcounteren = 0x306;
    public const int Menvcfg = 0x30A;
    public const int Mcountinhibit = 0x320;
    public const int MhpmEvent3 = 0x323;
    public const int MhpmEvent31 = 0x33F;
    public const int Mscratch = 0x340;
    public const int Mepc = 0x341;
    public const int Mcause = 0x342;
    public const int Mtval = 0x343;
    public const int Mip = 0x344;
    public const int PmpCfg0 = 0x3A0;
    public const int PmpCfg2 = 0x3A2;
    public const int PmpAddr0 = 0x3B0;
    public const int PmpAddr15 = 0x3BF;
    public const int Mcycle = 0xB00;
    public const int Minstret = 0xB02;

    /// <summary>Debug trigger select (Sdtrig).</summary>
    public const int Tselect = 0x7A0;

    /// <summary>Debug trigger data 1 (type and mode of the selected trigger).</summary>
    public const int Tdata1 = 0x7A1;

    /// <summary>Debug trigger data 2.</summary>
    public const int Tdata2 = 0x7A2;

    /// <summary>Debug trigger data 3.</summary>
    public const int Tdata3 = 0x7A3;

    /// <summary>Debug trigger info: the trigger types the selected trigger supports.</summary>
    public const int Tinfo = 0x7A4;
    public const int MhpmCounter3 = 0xB03;
    public const int MhpmCounter31 = 0xB1F;
}
