namespace Timely.Communication.Diagnostics;

/// <summary>
/// One line the library has to say (a foreign file left alone in a shared-memory job
/// directory, a refused TCP connection), handed to <see cref="Config.Diagnostics"/> instead of
/// being written to the console.
/// </summary>
/// <param name="Level">How much it matters.</param>
/// <param name="Source">The part of the library that says it: <c>shm</c>, <c>tcp</c>, <c>worker</c>.</param>
/// <param name="Message">One line, naming the file, peer or worker concerned.</param>
public readonly record struct DiagnosticMessage(DiagnosticLevel Level, string Source, string Message);
