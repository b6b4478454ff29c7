using System.Diagnostics;
using System.Runtime.CompilerServices;
using Vireo.Core.Bus;
using Vireo.Core.Memory;
using Vireo.Core.Timing;
using Vireo.Cpu.Decoding;
using Vireo.Cpu.Jit;
using Vireo.Cpu.Mmu;
using Vireo.Cpu.State;

namespace Vireo.Cpu.Interpreter;

/// <summary>
/// An interpreted RV64GC hart. Hot state lives in an unmanaged <see cref="HartState"/>; instructions are decoded once
/// per physical page into <see cref="Decoding.DecodedInstruction"/> slots and run through function pointers.
/// The type is split over several files by concern (run loop, CSRs, traps, memory, translation).
/// </summary>
internal sealed unsafe partial class Hart : IHart
{
    /// <summary>Instructions per block between checks of interrupts, timers and requests.</summary>
    internal const long BlockSize = 1024;

    /// <summary>Entries into interpreted code at one pc (counted, hashed) that make it a hot entry for the JIT; a power of two.</summary>
    internal const int HotEntryPeriod = 128;

    /// <summary>Instructions between reads of the machine clock for timer compares.</summary>
    private const ulong TimerCheckInterval = 4096;

    private const int RequestTlbFlushBit = 1;
    private const int RequestCodeFlushBit = 2;
    private const int RequestWakeBit = 4;

    /// <summary>The hot state; handlers reach everything through this pointer.</summary>
    internal readonly HartState* State;

    private readonly HartState[] _stateStorage;
    private readonly CpuEnvironment _environment;
    private readonly PhysicalBus _bus;
    private readonly GuestRam _ram;
    private readonly MachineClock _clock;
    private readonly ReservationTable _reservations;
    private readonly Pmp _pmp = new();
    private readonly ManualResetEventSlim _wake = new(false, 1);
    private readonly HaltPolling _haltPolling = new();
    private readonly Lock _runStateLock = new();

    /// <summary>Compiles hot code regions of this hart's decoded pages; null for the pure interpreter.</summary>
    private readonly RegionJit? _jit;

    private ulong _retired;
    private ulong _selfTraps;
    private ulong _selfTrapRetired;
    private ulong _nextTimerCheck;
    private bool _waitingForInterrupt;
    private volatile bool _exitRequested;
    private int _requests;
    private volatile HartRunState _runState;
    private ulong _timerCompare = ulong.MaxValue;

    public Hart(int hartId, CpuEnvironment environment, JitOptions? jit = null)
    {
        ArgumentNullException.ThrowIfNull(environment);
        HartId = hartId;
        _environment = environment;
        _bus = environment.Bus;
        _ram = environment.Ram;
        _clock = environment.Clock;
        _reservations = environment.Reservations;
        _reservations.Register(hartId);
        _stateStorage = GC.AllocateArray<HartState>(1, pinned: true);
        State = (HartState*)Unsafe.AsPointer(ref _stateStorage[0]);
        State->RamPointer = _ram.Pointer;
        State->RamBase = _ram.BaseAddress;
        State->RamSize = _ram.Size;
        State->CodeFlags = _ram.CodePageFlags;
        State->CodeGenerations = _ram.CodeGenerations;
        State->ReservationsActive = _reservations.ActiveCount;
        State->Redirect.Handler = &Redispatch;
        State->Redirect2.Handler = &Redispatch;
        if (jit is not null)
        {
            _jit = new RegionJit(this, environment, jit);
        }

        Reset(stopped: false);
    }

    public int HartId { get; }

    public ulong Pc
    {
        get => State->Pc;
        set
        {
            State->Pc = value;
            InvalidateFetch();
        }
    }

    public PrivilegeMode Mode
    {
        get => (PrivilegeMode)State->Mode;
        set => SetMode((int)value);
    }

    public HartRunState RunState => _runState;

    /// <summary>The region JIT, or null when this hart only interprets.</summary>
    internal RegionJit? Jit => _jit;

    public ulong InstructionsRetired => Volatile.Read(ref _retired);

    public ulong TimerCompare
    {
        get => Volatile.Read(ref _timerCompare);
        set
        {
            Volatile.Write(ref _timerCompare, value);
            PostRequest(RequestWakeBit, deadlineChanged: true);
        }
    }

    /// <summary>True while the VM serves S-mode ecalls in host code (no M-mode firmware).</summary>
    internal bool BuiltInFirmware => _environment.SupervisorCalls is not null;

    public ulong GetRegister(int index) => (uint)index < 32 ? State->X[index] : 0;

    public void SetRegister(int index, ulong value)
    {
        if (index > 0 && index < 32)
        {
            State->X[index] = value;
        }
    }

    /// <summary>Reads f<paramref name="index"/> as raw bits.</summary>
    internal ulong GetFloatRegister(int index) => State->F[index & 31];

    /// <summary>Writes f<paramref name="index"/> as raw bits.</summary>
    internal void SetFloatRegister(int index, ulong value) => State->F[index & 31] = value;

    public void Reset(bool stopped)
    {
        HartState* s = State;
        for (int i = 0; i < 34; i++)
        {
            s->X[i] = 0;
        }

        for (int i = 0; i < 32; i++)
        {
            s->F[i] = 0;
        }

        s->Pc = _environment.ResetVector;
        s->Mstatus = Mstatus.XlenBits;
        s->Fcsr = 0;
        ResetCsrs();
        _pmp.Reset();
        if (BuiltInFirmware)
        {
            // Like KVM: with no M-mode firmware the guest owns every S-delegable trap and all of memory.
            _medeleg = MedelegWritable;
            _mideleg = MidelegWritable;
            _pmp.WriteAddress(0, ulong.MaxValue);
            _pmp.WriteConfig(0, 0x1F);
        }

        _reservations.Release(HartId, 0);
        _waitingForInterrupt = false;

        // An exit request that arrived after the last Run returned (the machine stops every hart when it resets)
        // belongs to the old run, and must not end the next one before its first instruction.
        _exitRequested = false;
        Interlocked.Exchange(ref _requests, 0);
        _selfTraps = 0;
        SetMode(3);
        FlushTlb();
        FlushDecodedCode();
        _runState = stopped ? HartRunState.Stopped : HartRunState.Started;
        _wake.Set();
    }

    public void Run()
    {
        try
        {
            while (!_exitRequested)
            {
                if (_runState == HartRunState.Stopped)
                {
                    WaitForWake(Timeout.InfiniteTimeSpan);
                    continue;
                }

                if (Volatile.Read(ref _requests) != 0)
                {
                    ServiceRequests(Interlocked.Exchange(ref _requests, 0));
                }

                if (_retired >= _nextTimerCheck)
                {
                    UpdateTimers();
                }

                ulong pending = PendingAndEnabled();
                if (pending != 0)
                {
                    _waitingForInterrupt = false;
                    TryTakeInterrupt(pending);
                }
                else if (_waitingForInterrupt)
                {
                    WaitInWfi();
                    continue;
                }

                RunBlock(BlockSize);
                _jit?.AfterBlock();
            }
        }
        finally
        {
            _exitRequested = false;
        }
    }

    /// <summary>Runs up to <paramref name="count"/> instructions with no interrupt or request checks (tests, benchmarks).</summary>
    internal void RunBlock(long count)
    {
        HartState* s = State;
        s->BlockLimit = count;
        long executed = 0;

        // Threaded dispatch: each handler hands back the slot to run next, so the loop never maps the pc to a slot
        // except through the redirect slot (after jumps, traps and page crossings).
        DecodedInstruction* d = &s->Redirect;
        while (executed < s->BlockLimit)
        {
            s->BlockExecuted = ++executed;
            d = d->Handler(this, s, d);
        }

        s->BlockExecuted = 0;
        executed += s->ExtraRetired;
        s->ExtraRetired = 0;
        Volatile.Write(ref _retired, _retired + (ulong)executed);
    }

    /// <summary>Handler of the redirect slots: finds the slot for the pc (fetching and translating if needed) and runs it.</summary>
    internal static DecodedInstruction* Redispatch(Hart hart, HartState* s, DecodedInstruction* unused)
    {
        DecodedInstruction* d = SlotOnFetchPage(s, s->Pc);
        if (d == null)
        {
            d = EnterCachedPage(s);
            if (d == null)
            {
                d = hart.FetchSlow();
                if (d == null)
                {
                    return &s->Redirect;
                }
            }
        }

        NoteEntry(s, d);
        return d->Handler(hart, s, d);
    }

    /// <summary>
    /// Where compiled code leaving its page continues (the pc is set): the target's slot when the execute TLB maps its
    /// page and the page's code is current, so the run loop calls it without a trip through the redirect slot; else
    /// the redirect slot.
    /// </summary>
    /// <remarks>
    /// Not inlined: every region has a call site, and the .NET JIT inlined the execute-TLB probe and the entry counting
    /// into each one; out of line, a region compiles 8-10 % faster (bench jit-compile) for one call per page left.
    /// </remarks>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static DecodedInstruction* LeavePage(HartState* s)
    {
        DecodedInstruction* d = EnterCachedPage(s);
        if (d == null)
        {
            return &s->Redirect;
        }

        NoteEntry(s, d);
        return d;
    }

    /// <summary>Records where control entered a page, and counts an entry into interpreted code (the JIT samples both).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void NoteEntry(HartState* s, DecodedInstruction* d)
    {
        s->LastEntry = s->Pc;
        if (!d->IsRegionEntry)
        {
            CountInterpretedEntry(s, s->Pc);
        }
    }

    /// <summary>
    /// A compiled region leaving for slot <paramref name="d"/> of its own page at <paramref name="pc"/> (an instruction
    /// outside the region): counts the entry when the slot runs interpreted. Out of line, so each such exit is a call.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static void CountExitToInterpreter(HartState* s, DecodedInstruction* d, ulong pc)
    {
        if (!d->IsRegionEntry)
        {
            CountInterpretedEntry(s, pc);
        }
    }

    /// <summary>Counts an entry into interpreted code at <paramref name="pc"/>; every <see cref="HotEntryPeriod"/>th one a counter sees becomes the hot entry.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void CountInterpretedEntry(HartState* s, ulong pc)
    {
        uint index = (uint)((pc >> 1) ^ (pc >> 11)) & (HartState.EntryCountSlots - 1);
        ushort count = ++s->EntryCounts[index];
        if ((count & (HotEntryPeriod - 1)) == 0)
        {
            s->HotEntry = pc;
        }
    }

    /// <summary>Advances the pc past <paramref name="d"/> and returns the slot that follows it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static DecodedInstruction* Next(HartState* s, DecodedInstruction* d)
    {
        // One slot per halfword, 16 bytes each: a 2-byte instruction is followed 16 bytes on, a 4-byte one 32.
        uint length = d->Length;
        s->Pc += length;
        return (DecodedInstruction*)((byte*)d + (length * 8));
    }

    /// <summary><see cref="Next"/> for instructions that are always 4 bytes long.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static DecodedInstruction* Next4(HartState* s, DecodedInstruction* d)
    {
        s->Pc += 4;
        return d + 2;
    }

    /// <summary>
    /// Sets the pc to <paramref name="target"/> and returns its slot when it is on the page being executed, else the
    /// redirect slot (which translates and fetches).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static DecodedInstruction* JumpTo(HartState* s, ulong target)
    {
        s->Pc = target;
        DecodedInstruction* d = SlotOnFetchPage(s, target);
        return d != null ? d : &s->Redirect;
    }

    /// <summary>The decoded slot of <paramref name="pc"/> when it is on the page being executed, else null.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static DecodedInstruction* SlotOnFetchPage(HartState* s, ulong pc)
    {
        ulong offset = pc - s->FetchBase;
        return offset < GuestRam.PageSize ? s->FetchSlots + (offset >> 1) : null;
    }

    /// <summary>The VM-wide lock for AMOs on device registers.</summary>
    internal Lock DeviceAtomicsLock => _environment.DeviceAtomics;

    /// <summary>Executes exactly one instruction, then services what the run loop would (tests).</summary>
    internal void Step()
    {
        UpdateTimers();
        ulong pending = PendingAndEnabled();
        if (pending != 0)
        {
            _waitingForInterrupt = false;
            if (TryTakeInterrupt(pending))
            {
                return;
            }
        }

        RunBlock(1);
    }

    /// <summary>Ends the current block after this instruction so the run loop re-checks interrupts and requests.</summary>
    internal void EndBlock()
    {
        HartState* s = State;
        s->BlockLimit = 0;
    }

    /// <summary>True from a WFI that found no interrupt pending until the hart resumes (tests; any thread).</summary>
    internal bool IsWaitingForInterrupt => Volatile.Read(ref _waitingForInterrupt);

    /// <summary>This hart's WFI halt-polling state (diagnostics and tests).</summary>
    internal HaltPolling HaltPolling => _haltPolling;

    /// <summary>Instructions retired including the current block's progress.</summary>
    internal ulong RetiredNow => _retired + (ulong)(State->BlockExecuted + State->ExtraRetired);

    public void RequestExit()
    {
        _exitRequested = true;
        Wake();
    }

    public bool Start(ulong startAddress, ulong opaque, PrivilegeMode mode)
    {
        lock (_runStateLock)
        {
            if (_runState != HartRunState.Stopped)
            {
                return false;
            }

            State->Pc = startAddress;
            State->X[10] = (ulong)HartId;
            State->X[11] = opaque;
            _satp = 0;
            State->Mstatus &= ~(Mstatus.Mprv | Mstatus.Sie | Mstatus.Mie);
            SetMode((int)mode);
            FlushTlb();
            _waitingForInterrupt = false;
            _runState = HartRunState.Started;
        }

        Wake();
        return true;
    }

    public void Stop()
    {
        lock (_runStateLock)
        {
            _runState = HartRunState.Stopped;
        }

        EndBlock();
    }

    public void RequestTlbFlush() => PostRequest(RequestTlbFlushBit);

    public void RequestInstructionCacheFlush() => PostRequest(RequestCodeFlushBit);

    public void SetPending(ulong mipMask, bool level)
    {
        const ulong HardwareBits = Core.Interrupts.MipBits.Msip | Core.Interrupts.MipBits.Mtip | Core.Interrupts.MipBits.Seip | Core.Interrupts.MipBits.Meip;
        ulong hardware = mipMask & HardwareBits;
        if (hardware != 0)
        {
            if (level)
            {
                Interlocked.Or(ref _mipHardware, hardware);
            }
            else
            {
                Interlocked.And(ref _mipHardware, ~hardware);
            }
        }

        // SSIP is software-writable; the built-in SBI raises it for IPIs from other threads.
        if ((mipMask & Core.Interrupts.MipBits.Ssip) != 0)
        {
            if (level)
            {
                Interlocked.Or(ref _mipSoftware, Core.Interrupts.MipBits.Ssip);
            }
            else
            {
                Interlocked.And(ref _mipSoftware, ~Core.Interrupts.MipBits.Ssip);
            }
        }

        PostRequest(RequestWakeBit);
    }

    private void PostRequest(int bit, bool deadlineChanged = false)
    {
        Interlocked.Or(ref _requests, bit);
        _wake.Set();
        WakeScheduler(deadlineChanged);
    }

    private void ServiceRequests(int requests)
    {
        if ((requests & RequestTlbFlushBit) != 0)
        {
            FlushTlb();
        }

        if ((requests & RequestCodeFlushBit) != 0)
        {
            InvalidateFetch();
        }

        if ((requests & RequestWakeBit) != 0)
        {
            UpdateTimers();
        }
    }

    private void UpdateTimers()
    {
        ulong now = _clock.Now;
        ulong bits = 0;
        if (now >= Volatile.Read(ref _timerCompare))
        {
            bits |= Core.Interrupts.MipBits.Mtip;
        }

        if (SstcActive && now >= _stimecmp)
        {
            bits |= Core.Interrupts.MipBits.Stip;
        }

        _mipTimer = bits;
        _nextTimerCheck = _retired + TimerCheckInterval;
    }

    private void WaitInWfi()
    {
        _wake.Reset();
        if (Volatile.Read(ref _requests) != 0 || _exitRequested)
        {
            return;
        }

        ulong deadline = Volatile.Read(ref _timerCompare);
        if (SstcActive && _stimecmp < deadline)
        {
            deadline = _stimecmp;
        }

        TimeSpan timeout = _clock.Until(deadline);
        if (timeout == TimeSpan.Zero)
        {
            UpdateTimers();
            return;
        }

        // Bounded so a guest clock jump (mtime write, snapshot) cannot strand the hart.
        if (timeout > TimeSpan.FromMilliseconds(100))
        {
            timeout = TimeSpan.FromMilliseconds(100);
        }

        long start = Stopwatch.GetTimestamp();
        if (PollForWake(start, timeout))
        {
            _haltPolling.RecordPolled();
            UpdateTimers();
            return;
        }

        _runState = HartRunState.Waiting;
        TimeSpan left = timeout - Stopwatch.GetElapsedTime(start);
        bool woken = WaitForWake(left > TimeSpan.Zero ? left : TimeSpan.Zero);
        if (_runState == HartRunState.Waiting)
        {
            _runState = HartRunState.Started;
        }

        _haltPolling.RecordBlocked(Stopwatch.GetTimestamp() - start, woken);
        UpdateTimers();
    }

    /// <summary>
    /// Spins for the halt-polling window (see <see cref="HaltPolling"/>), or until <paramref name="timeout"/> if that
    /// is sooner; true when a wake-up came or the timeout passed meanwhile, so the hart need not block.
    /// </summary>
    private bool PollForWake(long start, TimeSpan timeout)
    {
        long window = _haltPolling.WindowTicks;
        if (window == 0 || !_environment.HaltPolling)
        {
            return false;
        }

        long timeoutTicks = (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        long end = start + Math.Min(window, timeoutTicks);
        while (!_wake.IsSet)
        {
            if (Stopwatch.GetTimestamp() >= end)
            {
                return timeoutTicks <= window;
            }

            // Yield rather than pause: while another thread of this host core is runnable (another VM's hart, an I/O
            // thread), it runs instead of the spin, as KVM stops polling when the core has other work.
            Thread.Yield();
        }

        return true;
    }

    private bool WaitForWake(TimeSpan timeout)
    {
        bool woken = _wake.Wait(timeout);
        _wake.Reset();
        return woken;
    }

    /// <summary>Sets the privilege mode and the TLB tag salts that depend on it.</summary>
    internal void SetMode(int mode)
    {
        State->Mode = (byte)mode;
        UpdateSalts();
        InvalidateFetch();
    }

    /// <summary>Recomputes TLB tag salts after a change of mode, MPRV/MPP, SUM or MXR.</summary>
    internal void UpdateSalts()
    {
        HartState* s = State;
        ulong status = s->Mstatus;
        ulong dataPrivilege = DataPrivilege;
        ulong salt = 1 + dataPrivilege + ((status & Mstatus.Sum) != 0 ? 4UL : 0) + ((status & Mstatus.Mxr) != 0 ? 8UL : 0);
        s->DataSalt = salt << 52;
        s->FetchSalt = (1UL + s->Mode) << 52;
    }

    /// <summary>Privilege used for loads and stores: MPP when M-mode sets MPRV.</summary>
    internal uint DataPrivilege
    {
        get
        {
            HartState* s = State;
            if (s->Mode == 3 && (s->Mstatus & Mstatus.Mprv) != 0)
            {
                return (uint)((s->Mstatus >> Mstatus.MppShift) & 3);
            }

            return s->Mode;
        }
    }
}
