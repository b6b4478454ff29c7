using System.Diagnostics;
using Vireo.Core.Bus;
using Vireo.Core.Interrupts;
using Vireo.Core.Memory;
using Vireo.Core.Timing;
using Vireo.Cpu;
using Vireo.Devices.Rtc;
using Vireo.Devices.Test;
using Vireo.Devices.Uart;
using Vireo.Devices.Virtio;
using Vireo.Devices.Virtio.Balloon;
using Vireo.Devices.Virtio.Console;
using Vireo.Machine.Boot;
using Vireo.Machine.Devices;
using Vireo.Machine.DeviceTree;
using Vireo.Machine.Firmware;
using Vireo.Scheduling;

namespace Vireo.Machine;

/// <summary>
/// One virtual machine of the QEMU-compatible RISC-V <c>virt</c> board: RAM, harts, CLINT, PLIC, UART, RTC, test
/// device, eight virtio-mmio slots, firmware and boot loader. Everything the VM has belongs to this object, so any
/// number of VMs can run in one process. <see cref="Run"/> boots and runs it until it powers off or fails.
/// </summary>
public sealed partial class VirtMachine : IDisposable
{
    private const int ScounterenCsr = 0x106;

    private readonly MachineConfig _config;
    private readonly GuestRam _ram;
    private readonly PhysicalBus _bus;
    private readonly MachineClock _clock;
    private readonly CpuEnvironment _environment;
    private readonly IHart[] _harts;
    private readonly Plic _plic;
    private readonly Clint _clint;
    private readonly Ns16550a _uart;
    private readonly GoldfishRtc _rtc;
    private readonly BootRom _rom = new();
    private readonly List<VirtioMmioTransport> _virtio = [];
    private readonly VirtioConsoleDevice? _virtioConsole;
    private readonly ConsoleOutput _consoleOutput;
    private readonly ManualResetEventSlim _exitSignal = new(false);
    private readonly Stopwatch _uptime = new();
    // A monitor (not a Lock): hart threads wait on it while parked.
    private readonly object _pauseLock = new();
    private readonly ScheduledVm? _scheduled;
    private MachineExit? _exit;
    private bool _rebootRequested;
    private volatile bool _stopRequested;
    private bool _pauseRequested;
    private int _parkedHarts;
    private int _runningHarts;
    private readonly int[] _hartThreadIds;

    /// <summary>Builds the VM (nothing runs until <see cref="Run"/>).</summary>
    /// <param name="config">The VM's description; validated here.</param>
    /// <param name="engine">The execution engine that creates the harts.</param>
    /// <param name="consoleOutput">Where the guest console's bytes go.</param>
    /// <param name="time">Clock source; the system clock when null.</param>
    /// <param name="scheduler">
    /// The pool whose workers run the harts, under <see cref="MachineConfig.Cpu"/>; null gives every hart its own host
    /// thread (the host kernel schedules them). Registering refuses (<see cref="SchedulerAdmissionException"/>) a
    /// reservation the pool cannot meet.
    /// </param>
    public VirtMachine(MachineConfig config, ICpuEngine engine, ConsoleOutput consoleOutput, TimeProvider? time = null, VcpuPool? scheduler = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(engine);
        config.Validate();
        _config = config;
        _consoleOutput = consoleOutput;
        Tail.Panic += OnPanic;

        _ram = new GuestRam(VirtMemoryMap.DramBase, config.MemorySize);
        _bus = new PhysicalBus(_ram);
        _clock = new MachineClock(time);
        _environment = new CpuEnvironment(_bus, _clock)
        {
            ResetVector = VirtMemoryMap.DramBase,
            HartStuck = (_, description) => SignalExit(new MachineExit(MachineExitKind.HartStuck, 1, description), reboot: false),
            HaltPolling = config.CpuCount < Environment.ProcessorCount,
        };
        _harts = new IHart[config.CpuCount];
        _hartThreadIds = new int[config.CpuCount];
        if (config.FirmwarePath is null)
        {
            _environment.SupervisorCalls = new BuiltInSbi(_harts, _ram, new SbiPlatform(this));
        }

        for (int i = 0; i < _harts.Length; i++)
        {
            _harts[i] = engine.CreateHart(i, _environment);
        }

        _plic = new Plic(_harts);
        _uart = new Ns16550a(_plic.GetLine(VirtMemoryMap.UartInterrupt), WriteConsoleByte);
        _rtc = new GoldfishRtc(_plic.GetLine(VirtMemoryMap.RtcInterrupt), time);
        _bus.Map(BootRom.Base, _rom);
        _bus.Map(VirtMemoryMap.Test, new SifiveTest(OnPowerEvent));
        _bus.Map(VirtMemoryMap.Rtc, _rtc);
        _clint = new Clint(_harts, _clock);
        _bus.Map(VirtMemoryMap.Clint, _clint);
        _bus.Map(VirtMemoryMap.Plic, _plic);
        _bus.Map(VirtMemoryMap.Uart, _uart);

        var devices = new List<VirtioDevice>();
        if (config.Console == ConsoleDevice.Virtio)
        {
            _virtioConsole = new VirtioConsoleDevice(WriteConsole);
            devices.Add(_virtioConsole);
        }

        devices.AddRange(config.ExtraDevices);
        if (config.Balloon is not null)
        {
            Balloon = new VirtioBalloonDevice(config.Balloon, time);
            devices.Add(Balloon);
        }

        if (devices.Count > VirtMemoryMap.VirtioCount)
        {
            throw new ArgumentException($"at most {VirtMemoryMap.VirtioCount} virtio devices fit on the board (asked for {devices.Count})");
        }

        // Linux numbers virtio devices in probe order, which runs from the highest slot down: fill slots from the top
        // so the first disk is /dev/vda.
        for (int slot = 0; slot < VirtMemoryMap.VirtioCount; slot++)
        {
            ulong address = VirtMemoryMap.VirtioSlotAddress(slot);
            int index = VirtMemoryMap.VirtioCount - 1 - slot;
            if (index < devices.Count)
            {
                var transport = new VirtioMmioTransport(devices[index], _ram, _plic.GetLine(VirtMemoryMap.VirtioSlotInterrupt(slot)), Log);
                _virtio.Add(transport);
                _bus.Map(address, transport);
            }
            else
            {
                _bus.Map(address, new VirtioMmioEmptySlot());
            }
        }

        if (scheduler is not null)
        {
            // Halt polling is the scheduler's: a hart in WFI leaves its worker at once.
            _environment.HaltPolling = false;
            _scheduled = scheduler.Register(
                config.Name,
                _harts,
                _clock,
                config.Cpu,
                (hartId, e) => SignalExit(new MachineExit(MachineExitKind.HostError, 1, $"hart {hartId} stopped on an internal error: {e.GetType().Name}: {e.Message}"), reboot: false));
        }
    }

    /// <summary>The description the VM was built from.</summary>
    public MachineConfig Config => _config;

    /// <summary>The VM's harts, by hart id.</summary>
    public IReadOnlyList<IHart> Harts => _harts;

    /// <summary>The last lines the guest console printed, and kernel panic detection.</summary>
    public ConsoleTail Tail { get; } = new();

    /// <summary>Time since the current boot began.</summary>
    public TimeSpan Uptime => _uptime.Elapsed;

    /// <summary>
    /// <see cref="Stopwatch.GetTimestamp"/> (the host monotonic clock) at which the boot hart's thread entered the CPU
    /// engine for the first boot, 0 before that: with the process start time, the latency before the guest runs.
    /// </summary>
    public long FirstInstructionTimestamp { get; private set; }

    /// <summary>One-line diagnostics go here (device errors caused by the guest). Null drops them.</summary>
    public Action<string>? Diagnostics { get; set; }

    /// <summary>Guest instructions retired by all harts since the current boot began.</summary>
    public ulong InstructionsRetired
    {
        get
        {
            ulong total = 0;
            foreach (IHart hart in _harts)
            {
                total += hart.InstructionsRetired;
            }

            return total;
        }
    }

    /// <summary>
    /// Sends keyboard input to the guest console, blocking while the console's buffer is full.
    /// Returns early when <paramref name="cancellation"/> fires.
    /// </summary>
    public void SendConsoleInput(ReadOnlySpan<byte> bytes, CancellationToken cancellation = default)
    {
        if (_virtioConsole is not null)
        {
            while (!bytes.IsEmpty && !cancellation.IsCancellationRequested)
            {
                int taken = _virtioConsole.EnqueueInput(bytes);
                bytes = bytes[taken..];
                if (!bytes.IsEmpty)
                {
                    cancellation.WaitHandle.WaitOne(5);
                }
            }

            return;
        }

        _uart.WriteInput(bytes, cancellation);
    }

    /// <summary>Stops the VM from the host side (thread-safe); <see cref="Run"/> returns <see cref="MachineExitKind.Stopped"/>.</summary>
    public void Stop(string reason)
    {
        // Remembered apart from the exit record, so a stop that races with a guest reset still ends the VM.
        _stopRequested = true;
        SignalExit(new MachineExit(MachineExitKind.Stopped, 0, reason), reboot: false);
    }

    /// <summary>True while the VM is paused (between a successful <see cref="Pause"/> and <see cref="Resume"/>).</summary>
    public bool IsPaused
    {
        get
        {
            lock (_pauseLock)
            {
                return _pauseRequested;
            }
        }
    }

    /// <summary>
    /// Pauses a running VM (thread-safe): every hart stops at an instruction boundary and parks, the guest clock
    /// freezes, and every virtio device finishes its in-flight requests and serves no more until <see cref="Resume"/>,
    /// so nothing changes guest memory. Returns false when the VM is not running (not booted yet, ending, or already
    /// paused) or did not quiesce within <paramref name="timeout"/>; in the last case it is resumed again.
    /// </summary>
    public bool Pause(TimeSpan timeout)
    {
        long deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        lock (_pauseLock)
        {
            if (_pauseRequested || _runningHarts == 0 || _exit is not null)
            {
                return false;
            }

            _pauseRequested = true;
            if (_scheduled is not null)
            {
                // The scheduler takes the harts off its workers at their next block boundary.
                _scheduled.Pause();
                _parkedHarts = _runningHarts;
            }
            else
            {
                foreach (IHart hart in _harts)
                {
                    hart.RequestExit();
                }
            }

            while (_parkedHarts < _runningHarts && _exit is null)
            {
                int left = (int)(deadline - Environment.TickCount64);
                if (left <= 0 || !Monitor.Wait(_pauseLock, left))
                {
                    break;
                }
            }

            if (_parkedHarts < _runningHarts || _exit is not null)
            {
                _pauseRequested = false;
                if (_scheduled is not null)
                {
                    _parkedHarts = 0;
                    _scheduled.Resume();
                }

                Monitor.PulseAll(_pauseLock);
                return false;
            }
        }

        _clock.Freeze();
        bool quiet = true;
        foreach (VirtioMmioTransport transport in _virtio)
        {
            TimeSpan left = TimeSpan.FromMilliseconds(Math.Max(0, deadline - Environment.TickCount64));
            quiet &= transport.Pause(left);
        }

        if (!quiet)
        {
            Resume();
            return false;
        }

        return true;
    }

    /// <summary>Resumes a paused VM exactly where it stopped (thread-safe); false when it was not paused.</summary>
    public bool Resume()
    {
        lock (_pauseLock)
        {
            if (!_pauseRequested)
            {
                return false;
            }
        }

        foreach (VirtioMmioTransport transport in _virtio)
        {
            transport.Resume();
        }

        _clock.Thaw();
        lock (_pauseLock)
        {
            _pauseRequested = false;
            if (_scheduled is not null)
            {
                _parkedHarts = 0;
                _scheduled.Resume();
            }

            Monitor.PulseAll(_pauseLock);
        }

        return true;
    }

    /// <summary>
    /// Boots the VM and runs it on one host thread per hart until it powers off, fails or is stopped. A guest reset
    /// reboots it (from the same images) unless <see cref="MachineConfig.NoReboot"/> is set.
    /// </summary>
    public MachineExit Run()
    {
        if (_scheduled is not null)
        {
            return RunScheduled(_scheduled);
        }

        while (true)
        {
            Boot();
            var threads = new Thread[_harts.Length];
            for (int i = 0; i < _harts.Length; i++)
            {
                IHart hart = _harts[i];
                threads[i] = new Thread(() => RunHart(hart)) { IsBackground = true, Name = $"vireo hart {hart.HartId}" };
            }

            _uptime.Restart();
            lock (_pauseLock)
            {
                _runningHarts = threads.Length;
            }

            foreach (Thread thread in threads)
            {
                thread.Start();
            }

            // SignalExit already asked every hart to exit.
            _exitSignal.Wait();
            foreach (Thread thread in threads)
            {
                thread.Join();
            }

            lock (_pauseLock)
            {
                _runningHarts = 0;
            }

            MachineExit exit = _exit!;
            if (!_rebootRequested || _config.NoReboot)
            {
                return exit;
            }
        }
    }

    /// <summary>
    /// The host (kernel) thread id running hart <paramref name="hartId"/> in the current boot, 0 when none does: with
    /// <c>/proc/self/task/ID/schedstat</c>, the hart's host CPU and run-queue wait time.
    /// </summary>
    public int GetHartThreadId(int hartId) => Volatile.Read(ref _hartThreadIds[hartId]);

    /// <summary>The VM's CPU accounting on its scheduler; null when every hart has its own thread.</summary>
    public VmCpuStats? CpuStats => _scheduled?.GetStats();

    /// <summary>
    /// Changes the VM's CPU weight, cap and reservation live (thread-safe); throws
    /// <see cref="SchedulerAdmissionException"/> (one line, nothing changed) when refused, and
    /// <see cref="InvalidOperationException"/> when the VM runs one thread per hart.
    /// </summary>
    public void UpdateCpuControls(CpuControls controls)
    {
        ArgumentNullException.ThrowIfNull(controls);
        ScheduledVm scheduled = _scheduled ?? throw new InvalidOperationException("CPU controls need a vCPU scheduler (the VM runs one thread per hart)");
        scheduled.UpdateControls(controls);
        _config.Cpu = controls;
    }

    /// <summary><see cref="Run"/> on a scheduler: the pool's workers run the harts; this thread waits for the exit.</summary>
    private MachineExit RunScheduled(ScheduledVm scheduled)
    {
        while (true)
        {
            Boot();
            _uptime.Restart();
            if (FirstInstructionTimestamp == 0)
            {
                FirstInstructionTimestamp = Stopwatch.GetTimestamp();
            }

            lock (_pauseLock)
            {
                _runningHarts = _harts.Length;
            }

            scheduled.Start();

            // SignalExit already asked every hart to exit; a paused VM resumes so its harts can see that.
            _exitSignal.Wait();
            Resume();
            scheduled.WaitUntilExited();
            lock (_pauseLock)
            {
                _runningHarts = 0;
            }

            MachineExit exit = _exit!;
            if (!_rebootRequested || _config.NoReboot)
            {
                return exit;
            }
        }
    }

    private void RunHart(IHart hart)
    {
        Volatile.Write(ref _hartThreadIds[hart.HartId], OperatingSystem.IsLinux() ? NativeThread.CurrentId() : 0);
        if (hart.HartId == 0 && FirstInstructionTimestamp == 0)
        {
            FirstInstructionTimestamp = Stopwatch.GetTimestamp();
        }

        try
        {
            // Run returns at a block boundary when asked to exit: for good, or to park while the VM is paused.
            while (true)
            {
                hart.Run();
                if (!ParkWhilePaused())
                {
                    break;
                }
            }
        }
        catch (Exception e)
        {
            // A host-side bug must not take the process (or other VMs) down: this VM stops with a failure instead.
            SignalExit(new MachineExit(MachineExitKind.HostError, 1, $"hart {hart.HartId} stopped on an internal error: {e.GetType().Name}: {e.Message}"), reboot: false);
        }
    }

    /// <summary>Parks the calling hart thread while a pause is requested; false when the hart should end instead.</summary>
    private bool ParkWhilePaused()
    {
        lock (_pauseLock)
        {
            if (!_pauseRequested || _exit is not null)
            {
                return false;
            }

            _parkedHarts++;
            Monitor.PulseAll(_pauseLock);
            while (_pauseRequested && _exit is null)
            {
                Monitor.Wait(_pauseLock);
            }

            _parkedHarts--;
            return _exit is null;
        }
    }

    private void Boot()
    {
        _exitSignal.Reset();
        _exit = null;
        _rebootRequested = false;
        _ram.Discard(_ram.BaseAddress, _ram.Size);
        _uart.Reset();
        _rtc.Reset();
        foreach (VirtioMmioTransport transport in _virtio)
        {
            transport.Write(0x070, 4, 0); // status 0 = device reset
        }

        // After the devices, whose resets drop their lines: an interrupt claimed and never completed before a guest
        // reset would otherwise stay in service, and its source would never interrupt the next boot.
        _plic.Reset();
        _clint.Reset();

        bool builtIn = _config.FirmwarePath is null;
        ulong entry;
        LoadedImage? kernel = null;
        if (builtIn)
        {
            kernel = ImageLoader.LoadKernel(_ram, _config.KernelPath!);
            entry = kernel.Value.Entry;
        }
        else
        {
            LoadedImage firmware = ImageLoader.LoadFirmware(_ram, _config.FirmwarePath!);
            entry = firmware.Entry;
            if (_config.KernelPath is not null)
            {
                kernel = ImageLoader.LoadKernel(_ram, _config.KernelPath);
                if (kernel.Value.Start < firmware.End)
                {
                    throw new BootImageException($"{_config.KernelPath}: kernel at 0x{kernel.Value.Start:x} overlaps the firmware (ends at 0x{firmware.End:x})");
                }

                _rom.SetDynamicInfo(kernel.Value.Entry);
            }
        }

        ulong? initrdStart = null;
        ulong? initrdEnd = null;
        if (_config.InitrdPath is not null)
        {
            ulong size = ImageLoader.SizeOf(_config.InitrdPath);
            ulong after = kernel?.Start ?? _ram.BaseAddress;
            ulong address = BootLayout.InitrdAddress(_ram.BaseAddress, _ram.Size, after, kernel?.End ?? after, size);
            LoadedImage initrd = ImageLoader.LoadBlob(_ram, _config.InitrdPath, address);
            initrdStart = initrd.Start;
            initrdEnd = initrd.End;
        }

        byte[] dtb = VirtDeviceTree.Build(DescribeBoard(initrdStart, initrdEnd));
        ulong dtbAddress = BootLayout.DeviceTreeAddress(_ram.BaseAddress, _ram.Size);
        if (!_ram.TryWrite(dtbAddress, dtb))
        {
            throw new BootImageException($"device tree of {dtb.Length} bytes does not fit in guest RAM");
        }

        foreach (IHart hart in _harts)
        {
            // With the built-in SBI only the boot hart runs; Linux starts the others through SBI HSM.
            // M-mode firmware gets every hart at once, as on QEMU, and picks its boot hart itself.
            bool parked = builtIn && hart.HartId != 0;
            hart.Reset(stopped: parked);
            hart.Pc = entry;
            hart.Mode = builtIn ? PrivilegeMode.Supervisor : PrivilegeMode.Machine;
            hart.SetRegister(10, (ulong)hart.HartId);
            hart.SetRegister(11, dtbAddress);
            hart.SetRegister(12, BootRom.Base + BootRom.DynamicInfoOffset);
            if (builtIn)
            {
                // What OpenSBI does before it enters the kernel: let U-mode read cycle, time and instret (the vDSO's
                // clock_gettime uses rdtime). Linux itself only sets scounteren from its PMU driver.
                hart.WriteCsr(ScounterenCsr, 0x7);
            }
        }

        // A host stop that raced with the guest reset found the old exit record taken; the new boot ends at once.
        if (_stopRequested)
        {
            SignalExit(new MachineExit(MachineExitKind.Stopped, 0, "stopped from the host during a guest reset"), reboot: false);
        }
    }

    /// <summary>The board as the device tree describes it.</summary>
    public VirtBoardDescription DescribeBoard(ulong? initrdStart, ulong? initrdEnd) => new()
    {
        RamBase = _ram.BaseAddress,
        RamSize = _ram.Size,
        HartCount = _harts.Length,
        BootArgs = _config.CommandLine,
        InitrdStart = initrdStart,
        InitrdEnd = initrdEnd,
        StdoutPath = _config.Console == ConsoleDevice.Serial ? VirtDeviceTree.UartPath : null,
    };

    private void WriteConsoleByte(byte value) => WriteConsole([value]);

    private void WriteConsole(ReadOnlySpan<byte> bytes)
    {
        _consoleOutput(bytes);
        Tail.Write(bytes);
    }

    private void OnPowerEvent(PowerEvent power)
    {
        switch (power.Kind)
        {
            case PowerEventKind.Poweroff:
                SignalExit(new MachineExit(MachineExitKind.PowerOff, 0, "guest powered off"), reboot: false);
                break;
            case PowerEventKind.Reset:
                SignalExit(new MachineExit(MachineExitKind.Reset, 0, "guest reset"), reboot: true);
                break;
            default:
                SignalExit(new MachineExit(MachineExitKind.GuestFailure, power.Code, $"guest reported failure code {power.Code}"), reboot: false);
                break;
        }
    }

    private void OnPanic(string line)
    {
        // Let the rest of the panic report reach the console before the harts stop.
        _ = Task.Delay(TimeSpan.FromMilliseconds(300)).ContinueWith(
            _ => SignalExit(new MachineExit(MachineExitKind.Panic, 1, line.Trim()), reboot: false),
            TaskScheduler.Default);
    }

    private void SignalExit(MachineExit exit, bool reboot)
    {
        if (Interlocked.CompareExchange(ref _exit, exit, null) is null)
        {
            _rebootRequested = reboot;
            foreach (IHart hart in _harts)
            {
                hart.RequestExit();
            }

            lock (_pauseLock)
            {
                // Parked harts wake and end; a pause in progress gives up.
                Monitor.PulseAll(_pauseLock);
            }

            _clock.Thaw();
            _exitSignal.Set();
        }
    }

    private void Log(string message) => Diagnostics?.Invoke(message);

    /// <summary>Frees guest RAM and stops device workers. The VM must not be running.</summary>
    public void Dispose()
    {
        _scheduled?.Dispose();
        foreach (VirtioMmioTransport transport in _virtio)
        {
            transport.Dispose();
        }

        _rtc.Dispose();
        _exitSignal.Dispose();
        _ram.Dispose();
    }
}
