using Vireo.Cpu.State;

namespace Vireo.Cpu.Tests.State;

public sealed unsafe class HartStateLayoutTests
{
    [Fact]
    public void Published_offsets_match_the_struct_layout()
    {
        HartState state = default;
        byte* origin = (byte*)&state;
        Assert.Equal(HartState.XOffset, (int)((byte*)state.X - origin));
        Assert.Equal(HartState.FOffset, (int)((byte*)state.F - origin));
        Assert.Equal(HartState.PcOffset, (int)((byte*)&state.Pc - origin));
        Assert.Equal(HartState.BlockLimitOffset, (int)((byte*)&state.BlockLimit - origin));
    }
}
