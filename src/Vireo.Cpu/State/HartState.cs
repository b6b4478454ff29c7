using System.Runtime.InteropServices;
using Vireo.Cpu.Decoding;

namespace Vireo.Cpu.State;

/// <summary>
/// The architectural and hot-path state of one hart, in unmanaged memory with a fixed layout, so the interpreter's
/// handlers (and a later JIT) address everything through one pointer. Fields that are not touched per instruction live
/// on the managed <c>Hart</c> object instead.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct HartState
{
    /// <summary>
    /// Entries in each direct-mapped software TLB (read, write, execute). 256 thrashed in the kernel's block I/O path (two
    /// hot pages 1 MiB apart sharing an entry); 512 is the most that keeps this struct, a pinned array element, under the
    /// runtime's 64 KiB limit for one.
    /// </summary>
    public const int TlbEntries = 512;

    /// <summary>Byte offset of x0 (a JIT addresses xN at <c>XOffset + 8 * N</c>).</summary>
    public const int XOffset = 0;

    /// <summary>Byte offset of f0.</summary>
    public const int FOffset = 34 * 8;

    /// <summary>Byte offset of the pc.</summary>
    public const int PcOffset = FOffset + (32 * 8);

    /// <summary>Byte offset of the instruction limit of the current block.</summary>
    public const int BlockLimitOffset = PcOffset + 8;

    /// <summary>Counters of entries into interpreted code (see <see cref="EntryCounts"/>); a power of two.</summary>
    public const int EntryCountSlots = 512;

    /// <summary>Register index the decoder substitutes for rd = x0, so handlers can write without a branch.</summary>
    public const int SinkRegister = 32;

    /// <summary>x0..x31, then the x0 write sink, then padding.</summary>
    public fixed ulong X[34];

    /// <summary>f0..f31 as raw bits (single-precision values NaN-boxed).</summary>
    public fixed ulong F[32];

    public ulong Pc;

    /// <summary>
    /// Instructions the current block may run; handlers that change global state set it to zero to end the block.
    /// The run loop counts in a register and only reads this, so no read-modify-write chain links one instruction to the next.
    /// </summary>
    public long BlockLimit;

    /// <summary>Instructions the current block has started, stored by the run loop so CSR reads of instret see the block's progress.</summary>
    public long BlockExecuted;

    /// <summary>
    /// Instructions retired by compiled regions beyond the one the run loop counts per call; folded into the retired
    /// count when the block ends. Compiled code also takes them off <see cref="BlockLimit"/>, so the block still ends
    /// after its budget.
    /// </summary>
    public long ExtraRetired;

    /// <summary>The pc the redirect slot last looked up: where control last entered a page (the JIT seeds regions there).</summary>
    public ulong LastEntry;

    /// <summary>
    /// A pc where control went from a redirect or a region exit into interpreted code often enough to be worth
    /// compiling (see <see cref="EntryCounts"/>); the JIT takes it after the block (then clears it), so hot code reached
    /// only between compiled regions gets compiled even though blocks rarely end inside it.
    /// </summary>
    public ulong HotEntry;

    /// <summary>Guest virtual address of the page whose decoded slots <see cref="FetchSlots"/> points at.</summary>
    public ulong FetchBase;

    public DecodedInstruction* FetchSlots;

    /// <summary>Host address of the RAM page being executed (to read raw instruction bits when decoding).</summary>
    public byte* FetchHost;

    /// <summary>Guest physical address of the page being executed.</summary>
    public ulong FetchPhysical;

    /// <summary>Bits 52+ of read/write TLB tags: effective data privilege, SUM and MXR.</summary>
    public ulong DataSalt;

    /// <summary>Bits 52+ of execute TLB tags: current privilege.</summary>
    public ulong FetchSalt;

    public byte* RamPointer;
    public ulong RamBase;
    public ulong RamSize;
    public byte* CodeFlags;

    /// <summary>The RAM's code generation per page (see <c>GuestRam.CodeGenerations</c>), checked on execute-TLB hits.</summary>
    public uint* CodeGenerations;
    public int* ReservationsActive;

    public ulong Mstatus;

    /// <summary>fflags in bits 0-4, frm in bits 5-7.</summary>
    public ulong Fcsr;

    public byte Mode;

    /// <summary>Scratch slot for instructions that cannot be cached (crossing a page, fetched from MMIO).</summary>
    public DecodedInstruction Scratch;

    /// <summary>
    /// The slot a handler returns when the next instruction must be looked up from the pc (traps, jumps, leaving the
    /// page). It follows <see cref="Scratch"/> so that a scratch instruction's fall-through (one or two slots on) lands
    /// on it or on <see cref="Redirect2"/>.
    /// </summary>
    public DecodedInstruction Redirect;

    /// <summary>Second redirect slot: the fall-through of a 4-byte instruction in <see cref="Scratch"/>.</summary>
    public DecodedInstruction Redirect2;

    /// <summary>Read TLB: pairs of (tag, host address minus guest virtual address).</summary>
    public fixed ulong ReadTlb[TlbEntries * 2];

    /// <summary>Write TLB: pairs of (tag, host address minus guest virtual address).</summary>
    public fixed ulong WriteTlb[TlbEntries * 2];

    /// <summary>Execute TLB: quadruples of (tag, decoded slots, RAM page index, code generation).</summary>
    public fixed ulong ExecTlb[TlbEntries * 4];

    /// <summary>
    /// Entries into interpreted code counted per pc, hashed (collisions only make a pc look hotter): every
    /// <c>Hart.HotEntryPeriod</c>th entry a counter sees names its pc in <see cref="HotEntry"/>. One sample per block
    /// of where control last entered interpreted code saw only the last of several such places in a loop body, and
    /// the others stayed interpreted for good (a kernel page walk helper called once per page of a 1 MiB transfer).
    /// </summary>
    public fixed ushort EntryCounts[EntryCountSlots];
}
