using Vireo.Cpu.Decoding;

namespace Vireo.Cpu.Jit;

/// <summary>A compiled region waiting to be installed in its page's seed slot.</summary>
internal sealed class CompiledRegion
{
    public CompiledRegion(CompileRequest request, Region region, RegionCode code, DecodedInstruction[] copies)
    {
        Request = request;
        Region = region;
        Code = code;
        Copies = copies;
    }

    public CompileRequest Request { get; }

    public Region Region { get; }

    /// <summary>The compiled method, closed over the hart.</summary>
    public RegionCode Code { get; }

    /// <summary>Pinned copies of the region's decoded slots, which the code passes to interpreter handlers; must live as long as the code.</summary>
    public DecodedInstruction[] Copies { get; }
}
