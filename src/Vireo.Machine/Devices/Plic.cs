using System.Numerics;
using Vireo.Core.Bus;
using Vireo.Core.Interrupts;

namespace Vireo.Machine.Devices;

/// <summary>
/// The SiFive PLIC of QEMU's <c>virt</c> board with level-triggered sources. Register layout: priorities at
/// 0x0 + 4·source, pending bits at 0x1000, enables at 0x2000 + 0x80·context, threshold at 0x20_0000 + 0x1000·context
/// and claim/complete 4 bytes above it. Context 2h is hart h's M-mode (drives MEIP), context 2h+1 its S-mode (SEIP).
/// </summary>
/// <remarks>
/// One lock guards all state: PLIC traffic is a few accesses per interrupt, far from any hot path. A claimed source
/// stays out of the pending set until its completion; if its line is still high then, it becomes pending again.
/// </remarks>
public sealed class Plic : IMmioDevice
{
    /// <summary>Guest physical base address on the virt board.</summary>
    public const ulong DefaultBase = 0x0C00_0000;

    /// <summary>Length of the register window (the whole architectural PLIC space).</summary>
    public const ulong WindowSize = 0x400_0000;

    /// <summary>Number of source ids on the virt board: 0 (none) plus sources 1..95 (<c>riscv,ndev = 95</c>).</summary>
    public const int DefaultSourceCount = 96;

    /// <summary>Highest priority value: priorities and thresholds have 3 bits, as on QEMU's virt board.</summary>
    public const uint MaxPriority = 7;

    private const ulong PendingBase = 0x1000;
    private const ulong EnableBase = 0x2000;
    private const ulong EnableStride = 0x80;
    private const ulong ContextBase = 0x20_0000;
    private const ulong ContextStride = 0x1000;

    private readonly Lock _lock = new();
    private readonly IHartInterruptPins[] _harts;
    private readonly IInterruptLine[] _lines;
    private readonly int _sourceCount;
    private readonly int _words;
    private readonly int _contexts;
    private readonly uint[] _priority;
    private readonly uint[] _level;
    private readonly uint[] _pending;
    private readonly uint[] _claimed;
    private readonly uint[] _enable;
    private readonly uint[] _threshold;
    private readonly bool[] _output;

    /// <summary>Creates a PLIC with two contexts (M and S) per hart.</summary>
    /// <param name="harts">The harts' interrupt pins, ordered by hart id.</param>
    /// <param name="sourceCount">Number of source ids including the reserved id 0 (2..1024; the virt board uses 96).</param>
    public Plic(IReadOnlyList<IHartInterruptPins> harts, int sourceCount = DefaultSourceCount)
    {
        ArgumentNullException.ThrowIfNull(harts);
        if (harts.Count < 1 || harts.Count * 2 > (int)((WindowSize - ContextBase) / ContextStride))
        {
            throw new ArgumentOutOfRangeException(nameof(harts), "The PLIC serves 1 to 7936 harts.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(sourceCount, 2);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(sourceCount, 1024);

        _harts = [.. harts];
        _sourceCount = sourceCount;
        _words = (sourceCount + 31) / 32;
        _contexts = _harts.Length * 2;
        _priority = new uint[sourceCount];
        _level = new uint[_words];
        _pending = new uint[_words];
        _claimed = new uint[_words];
        _enable = new uint[_contexts * _words];
        _threshold = new uint[_contexts];
        _output = new bool[_contexts];
        _lines = new IInterruptLine[sourceCount];
        for (int source = 1; source < sourceCount; source++)
        {
            _lines[source] = new PlicLine(this, source);
        }
    }

    /// <inheritdoc/>
    public string Name => "plic";

    /// <inheritdoc/>
    public ulong Size => WindowSize;

    /// <summary>Number of source ids including the reserved id 0.</summary>
    public int SourceCount => _sourceCount;

    /// <summary>Number of interrupt contexts (two per hart).</summary>
    public int ContextCount => _contexts;

    /// <summary>The level-triggered input wire of <paramref name="source"/> (1 to <see cref="SourceCount"/> − 1).</summary>
    public IInterruptLine GetLine(int source)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(source, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(source, _sourceCount);
        return _lines[source];
    }

    /// <inheritdoc/>
    public ulong Read(ulong offset, int size)
    {
        if (size == 8 && (offset & 7) == 0)
        {
            // Not used by Linux or OpenSBI (they use 32-bit accesses); split so nothing is silently lost.
            return ReadWord(offset) | ((ulong)ReadWord(offset + 4) << 32);
        }

        return size == 4 && (offset & 3) == 0 ? ReadWord(offset) : 0;
    }

    /// <inheritdoc/>
    public void Write(ulong offset, int size, ulong value)
    {
        if (size == 8 && (offset & 7) == 0)
        {
            WriteWord(offset, (uint)value);
            WriteWord(offset + 4, (uint)(value >> 32));
        }
        else if (size == 4 && (offset & 3) == 0)
        {
            WriteWord(offset, (uint)value);
        }
    }

    internal void SetSourceLevel(int source, bool level)
    {
        int word = source >> 5;
        uint bit = 1u << (source & 31);

        // Devices repeat their level often (every UART register access); skip the lock when nothing changes.
        if (((Volatile.Read(ref _level[word]) & bit) != 0) == level)
        {
            return;
        }

        lock (_lock)
        {
            if (level)
            {
                _level[word] |= bit;
                if ((_claimed[word] & bit) == 0)
                {
                    _pending[word] |= bit;
                }
            }
            else
            {
                // A level source that drops before it is claimed withdraws its request.
                _level[word] &= ~bit;
                _pending[word] &= ~bit;
            }

            UpdateOutputs();
        }
    }

    private uint ReadWord(ulong offset)
    {
        lock (_lock)
        {
            if (offset < PendingBase)
            {
                ulong source = offset >> 2;
                return source < (ulong)_sourceCount ? _priority[source] : 0;
            }

            if (offset < EnableBase)
            {
                ulong word = (offset - PendingBase) >> 2;
                return word < (ulong)_words ? _pending[word] : 0;
            }

            if (offset < ContextBase)
            {
                return TryEnableIndex(offset, out int index) ? _enable[index] : 0;
            }

            if (!TryContext(offset, out int context, out ulong register))
            {
                return 0;
            }

            return register switch
            {
                0 => _threshold[context],
                4 => Claim(context),
                _ => 0,
            };
        }
    }

    private void WriteWord(ulong offset, uint value)
    {
        lock (_lock)
        {
            if (offset < PendingBase)
            {
                ulong source = offset >> 2;
                if (source != 0 && source < (ulong)_sourceCount)
                {
                    _priority[source] = value & MaxPriority;
                    UpdateOutputs();
                }

                return;
            }

            if (offset < EnableBase)
            {
                return; // Pending bits are read-only.
            }

            if (offset < ContextBase)
            {
                if (TryEnableIndex(offset, out int index))
                {
                    _enable[index] = value & ValidMask(index % _words);
                    UpdateOutputs();
                }

                return;
            }

            if (!TryContext(offset, out int context, out ulong register))
            {
                return;
            }

            if (register == 0)
            {
                _threshold[context] = value & MaxPriority;
                UpdateOutputs();
            }
            else if (register == 4)
            {
                Complete(context, value);
            }
        }
    }

    private uint ValidMask(int word)
    {
        // Source 0 does not exist, nor do ids at or above the source count.
        uint mask = uint.MaxValue;
        int firstId = word * 32;
        int valid = _sourceCount - firstId;
        if (valid < 32)
        {
            mask = (1u << valid) - 1;
        }

        return word == 0 ? mask & ~1u : mask;
    }

    private bool TryEnableIndex(ulong offset, out int index)
    {
        ulong relative = offset - EnableBase;
        ulong context = relative / EnableStride;
        ulong word = (relative % EnableStride) >> 2;
        if (context >= (ulong)_contexts || word >= (ulong)_words)
        {
            index = 0;
            return false;
        }

        index = (int)context * _words + (int)word;
        return true;
    }

    private bool TryContext(ulong offset, out int context, out ulong register)
    {
        ulong relative = offset - ContextBase;
        ulong index = relative / ContextStride;
        register = relative % ContextStride;
        context = (int)Math.Min(index, int.MaxValue);
        return index < (ulong)_contexts;
    }

    /// <summary>The best pending, enabled, unclaimed source of a context above its threshold, or 0.</summary>
    private int Best(int context)
    {
        int best = 0;
        uint bestPriority = _threshold[context];
        int enableBase = context * _words;
        for (int word = 0; word < _words; word++)
        {
            uint candidates = _pending[word] & ~_claimed[word] & _enable[enableBase + word];
            while (candidates != 0)
            {
                int bit = BitOperations.TrailingZeroCount(candidates);
                candidates &= candidates - 1;
                int source = (word << 5) | bit;
                uint priority = _priority[source];

                // Strictly greater: among equal priorities the lowest id wins, and priority 0 never interrupts.
                if (priority > bestPriority)
                {
                    best = source;
                    bestPriority = priority;
                }
            }
        }

        return best;
    }

    private uint Claim(int context)
    {
        int source = Best(context);
        if (source != 0)
        {
            int word = source >> 5;
            uint bit = 1u << (source & 31);
            _pending[word] &= ~bit;
            _claimed[word] |= bit;
            UpdateOutputs();
        }

        return (uint)source;
    }

    private void Complete(int context, uint source)
    {
        if (source == 0 || source >= (uint)_sourceCount)
        {
            return;
        }

        int word = (int)(source >> 5);
        uint bit = 1u << (int)(source & 31);

        // The spec ignores a completion for a source not enabled for this context.
        if ((_enable[context * _words + word] & bit) == 0 || (_claimed[word] & bit) == 0)
        {
            return;
        }

        _claimed[word] &= ~bit;
        if ((_level[word] & bit) != 0)
        {
            _pending[word] |= bit;
        }

        UpdateOutputs();
    }

    private void UpdateOutputs()
    {
        for (int context = 0; context < _contexts; context++)
        {
            bool level = Best(context) != 0;
            if (level != _output[context])
            {
                _output[context] = level;
                _harts[context >> 1].SetPending((context & 1) == 0 ? MipBits.Meip : MipBits.Seip, level);
            }
        }
    }
}
