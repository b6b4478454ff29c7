namespace Vireo.Cpu.Mmu;

/// <summary>
/// Physical memory protection: 16 entries (pmpcfg0/pmpcfg2, pmpaddr0-15) with OFF/TOR/NA4/NAPOT matching, enforced
/// for S and U and, for locked entries, M. Checked only when the hart fills a TLB entry or takes a slow access.
/// </summary>
internal sealed class Pmp
{
    public const int EntryCount = 16;

    private const byte Read = 1;
    private const byte Write = 2;
    private const byte Execute = 4;
    private const byte Lock = 0x80;
    private const int ModeTor = 1;
    private const int ModeNa4 = 2;
    private const int ModeNapot = 3;

    /// <summary>pmpaddr holds physical address bits 55:2.</summary>
    private const ulong AddressMask = (1UL << 54) - 1;

    private readonly byte[] _config = new byte[EntryCount];
    private readonly ulong[] _address = new ulong[EntryCount];
    private int _activeEntries;

    /// <summary>Clears every entry (reset).</summary>
    public void Reset()
    {
        Array.Clear(_config);
        Array.Clear(_address);
        _activeEntries = 0;
    }

    /// <summary>Reads pmpcfg0 (<paramref name="register"/> 0) or pmpcfg2 (2).</summary>
    public ulong ReadConfig(int register)
    {
        ulong value = 0;
        int first = register * 4;
        for (int i = 0; i < 8; i++)
        {
            value |= (ulong)_config[first + i] << (8 * i);
        }

        return value;
    }

    /// <summary>Writes pmpcfg0 or pmpcfg2; locked entries keep their value.</summary>
    public void WriteConfig(int register, ulong value)
    {
        int first = register * 4;
        for (int i = 0; i < 8; i++)
        {
            int entry = first + i;
            if ((_config[entry] & Lock) != 0)
            {
                continue;
            }

            byte config = (byte)(value >> (8 * i));
            config &= 0x9F;
            if ((config & (Read | Write)) == Write)
            {
                // R=0, W=1 is reserved: keep the entry inaccessible rather than writable-only.
                config &= unchecked((byte)~Write);
            }

            _config[entry] = config;
        }

        RecountActive();
    }

    public ulong ReadAddress(int entry) => _address[entry];

    /// <summary>Writes pmpaddr<paramref name="entry"/> unless it or the TOR entry above it is locked.</summary>
    public void WriteAddress(int entry, ulong value)
    {
        if ((_config[entry] & Lock) != 0)
        {
            return;
        }

        if (entry + 1 < EntryCount && (_config[entry + 1] & Lock) != 0 && ((_config[entry + 1] >> 3) & 3) == ModeTor)
        {
            return;
        }

        _address[entry] = value & AddressMask;
    }

    /// <summary>
    /// True when an access of <paramref name="size"/> bytes at <paramref name="address"/> by privilege
    /// <paramref name="privilege"/> is allowed.
    /// </summary>
    public bool Allows(ulong address, ulong size, AccessType type, uint privilege)
    {
        if (_activeEntries == 0)
        {
            return privilege == 3;
        }

        ulong last = address + size - 1;
        for (int i = 0; i < EntryCount; i++)
        {
            byte config = _config[i];
            int mode = (config >> 3) & 3;
            if (mode == 0)
            {
                continue;
            }

            ulong low;
            ulong high;
            if (mode == ModeTor)
            {
                low = i == 0 ? 0 : _address[i - 1] << 2;
                ulong top = _address[i] << 2;
                if (top <= low)
                {
                    continue;
                }

                high = top - 1;
            }
            else if (mode == ModeNa4)
            {
                low = _address[i] << 2;
                high = low + 3;
            }
            else
            {
                ulong value = _address[i];
                ulong mask = value ^ (value + 1);
                low = (value & ~mask) << 2;
                high = low | (mask << 2) | 3;
            }

            if (last < low || address > high)
            {
                continue;
            }

            if (address < low || last > high)
            {
                // Matching only part of the access fails it, whatever the permissions.
                return false;
            }

            if (privilege == 3 && (config & Lock) == 0)
            {
                return true;
            }

            byte needed = type switch
            {
                AccessType.Read => Read,
                AccessType.Write => Write,
                _ => Execute,
            };
            return (config & needed) != 0;
        }

        return privilege == 3;
    }

    private void RecountActive()
    {
        int count = 0;
        foreach (byte config in _config)
        {
            if ((config & 0x18) != 0)
            {
                count++;
            }
        }

        _activeEntries = count;
    }
}
