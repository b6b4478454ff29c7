namespace Vireo.Cpu.Interpreter;

/// <summary>The interpreting execution engine: predecoded instructions run through function pointers.</summary>
public sealed class InterpreterEngine : ICpuEngine
{
    /// <inheritdoc />
    public string Name => "interpreter";

    /// <inheritdoc />
    public IHart CreateHart(int hartId, CpuEnvironment environment) => new Hart(hartId, environment);
}
