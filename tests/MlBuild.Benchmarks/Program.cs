using BenchmarkDotNet.Running;

// `peer-bench ...` speaks the ../shared/peers runner protocol; anything else goes to BenchmarkDotNet.
// `stages ...` times the CSV path's stages on one chunk.
return args.Length > 0 && args[0] == "peer-bench" ? MlBuild.Benchmarks.PeerBench.Run(args[1..])
    : args.Length > 0 && args[0] == "stages" ? MlBuild.Benchmarks.StageBench.Run(args[1..])
    : RunBenchmarkDotNet(args);

static int RunBenchmarkDotNet(string[] args)
{
    BenchmarkSwitcher.FromAssembly(typeof(MlBuild.Benchmarks.PeerBench).Assembly).Run(args);
    return 0;
}
