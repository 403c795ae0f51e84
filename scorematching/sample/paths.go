package sample

// PathsUpTo returns the trajectories recorded in res (Result.Trajectories) cut after the
// given step: the positions recorded at steps up to and including it. It shows the start of a long
// run, whose full paths would cover the figure.
func PathsUpTo(res Result, step int) [][][]float64 {
	keep := 0
	for keep < len(res.TrajectorySteps) && res.TrajectorySteps[keep] <= step {
		keep++
	}
	out := make([][][]float64, len(res.Trajectories))
	for i, path := range res.Trajectories {
		out[i] = path[:min(keep, len(path))]
	}
	return out
}

// StepsUpTo returns the step numbers of the positions PathsUpTo(res, step) keeps: those of
// res.TrajectorySteps up to and including step.
func StepsUpTo(res Result, step int) []int {
	keep := 0
	for keep < len(res.TrajectorySteps) && res.TrajectorySteps[keep] <= step {
		keep++
	}
	return res.TrajectorySteps[:keep:keep]
}
