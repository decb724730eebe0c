use rand::{SeedableRng, rngs::StdRng};
use tapegrad::nn::{BatchNorm1d, Module};
use tapegrad::{Gradients, Tape, Tensor};
fn main() {
    let which = std::env::args().nth(1).unwrap();
    let steps: usize = std::env::args().nth(2).unwrap().parse().unwrap();
    let mut rng = StdRng::seed_from_u64(0);
    let x = Tensor::<f32>::randn([32, 200], &mut rng);
    let bn = BatchNorm1d::<f32>::new(200);
    let (mut tape, mut grads) = (Tape::new(), Gradients::new());
    for _ in 0..steps {
        tape.clear();
        let v = tape.var(x.clone());
        let y = match which.as_str() { "bn" => bn.forward(v), "sub" => v - v.mean_axis(0, true), "div" => v / (v.mean_axis(0, true) + 3.0), "mul" => v * v, _ => v.tanh() };
        y.sum().backward_into(&mut grads);
    }
}
