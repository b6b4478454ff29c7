// The signature every decoded instruction's handler has (see DecodedInstruction.Handler), named once so the decoder
// and the dispatch code do not each spell it out.
global using unsafe InstructionHandler = delegate*<Vireo.Cpu.Interpreter.Hart, Vireo.Cpu.State.HartState*, Vireo.Cpu.Decoding.DecodedInstruction*, Vireo.Cpu.Decoding.DecodedInstruction*>;
