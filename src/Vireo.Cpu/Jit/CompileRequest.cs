using Vireo.Cpu.Interpreter;

namespace Vireo.Cpu.Jit;

/// <summary>A region to compile: the page (its decoded slots and a copy of its bytes), its code generation and the seed.</summary>
internal sealed class CompileRequest
{
    public CompileRequest(RegionJit owner, DecodedPage page, ulong ramPage, uint generation, int seed, byte[] code)
    {
        Owner = owner;
        Page = page;
        RamPage = ramPage;
        Generation = generation;
        Seed = seed;
        Code = code;
    }

    public RegionJit Owner { get; }

    public DecodedPage Page { get; }

    public ulong RamPage { get; }

    /// <summary>The page's code generation when <see cref="Code"/> was copied; the region is only installed if it still holds.</summary>
    public uint Generation { get; }

    public int Seed { get; }

    public byte[] Code { get; }
}
