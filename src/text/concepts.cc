#include "text/concepts.h"

#include <algorithm>
#include <array>
#include <sstream>

namespace memoryd::text {
namespace {

struct Topic {
  std::string_view name;
  std::string_view words;  // space-separated, lowercase, unstemmed
};

// Everyday topics of personal conversation and notes. A word may sit in several topics.
// Deliberately broad and generic: no entries tuned to a particular data set.
constexpr std::array kTopics = {
    Topic{"family",
          "family families kid kids child children son sons daughter daughters parent "
          "parents parenting mom moms mum mother mothers dad dads father fathers brother "
          "brothers sister sisters sibling siblings grandma grandpa grandmother "
          "grandfather grandparents grandkids grandchildren aunt uncle cousin cousins "
          "niece nephew baby babies toddler relatives stepson stepdaughter"},
    Topic{"romance",
          "partner boyfriend girlfriend husband wife spouse fiance fiancee married "
          "marriage marry wedding engaged engagement dating romance romantic "
          "relationship honeymoon single divorce divorced breakup crush newlywed bride "
          "groom"},
    Topic{"friend", "friend friends friendship buddy buddies pal pals bestie"},
    Topic{"pet",
          "pet pets dog dogs puppy puppies pup cat cats kitten kitty hamster guinea "
          "rabbit bunny parrot turtle goldfish vet"},
    Topic{"animal",
          "animal animals wildlife zoo bird birds horse horses pony farm creature "
          "creatures"},
    Topic{"music",
          "music musical musician musicians song songs sing singing singer band bands "
          "concert concerts guitar piano violin drums drummer album albums melody tune "
          "tunes orchestra classical jazz playlist lyrics composer compose gig karaoke "
          "choir bach mozart beethoven vivaldi"},
    Topic{"art",
          "art arts artist artists artistic artwork paint painting paintings painter "
          "draw drawing drawings sketch sketching canvas sculpture sculpting pottery "
          "ceramics ceramic clay craft crafts crafting gallery exhibit exhibition mural "
          "portrait watercolor watercolors abstract"},
    Topic{"photo",
          "photo photos photograph photography photographer camera cameras picture "
          "pictures pic pics snapshot selfie"},
    Topic{"writing",
          "write writing writer wrote written author authors story stories poem poems "
          "poetry poet blog blogging journal journaling essay screenplay script "
          "manuscript memoir"},
    Topic{"reading",
          "book books read reading reader novel novels author authors library bookstore "
          "chapter literature fiction nonfiction fantasy bookshelf"},
    Topic{"screen",
          "movie movies film films cinema tv television netflix documentary actor "
          "actress sitcom episode episodes"},
    Topic{"game",
          "game games gaming gamer gamers videogame console xbox playstation nintendo "
          "tournament tournaments tourney esports chess puzzle puzzles boardgame"},
    Topic{"sport",
          "sport sports basketball football soccer baseball tennis golf hockey "
          "volleyball rugby cricket team teams teammate teammates league championship "
          "coach athlete athletes season playoffs stadium"},
    Topic{"fitness",
          "exercise exercising workout workouts gym fitness running jog jogging marathon "
          "yoga pilates cycling biking bike swim swimming weightlifting cardio "
          "stretching kickboxing boxing"},
    Topic{"outdoors",
          "nature outdoors outdoor hike hikes hiking hiker trail trails camping camp "
          "campfire tent mountain mountains forest woods lake lakes river beach beaches "
          "ocean sea park parks wilderness scenery landscape sunset sunrise waterfall "
          "canyon kayaking fishing"},
    Topic{"garden",
          "garden gardening gardens flower flowers plant plants planting bloom roses "
          "sunflowers"},
    Topic{"travel",
          "travel traveling travelling traveled trip trips vacation vacations vacay "
          "holiday holidays journey tour touring tourist abroad flight flights airport "
          "roadtrip getaway destination sightseeing itinerary passport"},
    Topic{"place",
          "place places location locations geographical geography country countries city "
          "cities town towns region abroad overseas"},
    Topic{"food",
          "food foods cook cooking cooked recipe recipes bake baking baked meal meals "
          "dinner lunch breakfast brunch dish dishes eat eating ate cuisine kitchen chef "
          "restaurant restaurants snack snacks dessert cake cookies pie soup salad pasta "
          "pizza chicken veggie veggies vegetables vegetarian vegan diet"},
    Topic{"drink", "coffee tea drink drinks wine beer cocktail cocktails smoothie"},
    Topic{"health",
          "health healthy doctor doctors hospital sick sickness illness ill disease "
          "injury injuries injured hurt pain surgery medical medicine medication therapy "
          "checkup diagnosis diagnosed symptoms recovery recovering recover heal healing "
          "clinic nurse accident condition"},
    Topic{"mood_low",
          "stress stressed stressful anxiety anxious depression depressed sad sadness "
          "upset overwhelmed worried worry worries nervous scared afraid fear lonely "
          "loneliness struggle struggles struggling grief grieving frustrated burnout "
          "setback setbacks"},
    Topic{"relax",
          "relax relaxing relaxed relaxation calm calming chill unwind destress peaceful "
          "peace therapeutic meditation meditate meditating mindfulness selfcare"},
    Topic{"work",
          "job jobs work working career careers office boss manager colleague colleagues "
          "coworker coworkers company companies employer employee hired hire hiring "
          "promotion promoted salary interview position profession professional business "
          "businesses startup client clients workplace fired layoff resign"},
    Topic{"school",
          "school schools study studying studies student students class classes course "
          "courses college university degree graduate graduated graduation education "
          "teacher teachers professor lesson lessons learn learning exam exams homework "
          "campus semester scholarship tutor tutoring"},
    Topic{"volunteer",
          "volunteer volunteering volunteered charity charities donate donated donation "
          "donations fundraiser fundraising nonprofit shelter shelters cause causes "
          "activism activist outreach"},
    Topic{"religion",
          "religion religious church churches faith god pray prayer praying spiritual "
          "spirituality temple mosque bible worship"},
    Topic{"identity",
          "lgbtq lgbt transgender trans gay lesbian queer pride identity nonbinary "
          "transition"},
    Topic{"home",
          "home homes house houses apartment move moved moving relocate neighborhood "
          "neighbors rent renovation renovating decor room yard"},
    Topic{"vehicle", "car cars drive driving drove vehicle vehicles truck motorcycle"},
    Topic{"money",
          "money buy bought buying purchase purchased shop shopping store sale spend "
          "spent budget price cost afford savings invest investing finances financial"},
    Topic{"clothes",
          "clothes clothing shoes sneakers dress shirt outfit outfits jacket fashion "
          "wear wearing"},
    Topic{"celebration",
          "party parties celebrate celebrated celebrating celebration birthday birthdays "
          "anniversary festival festivals ceremony gathering christmas thanksgiving "
          "halloween easter reunion"},
    Topic{"military",
          "military veteran veterans army navy soldier soldiers troops marine marines "
          "deployment"},
    Topic{"civic",
          "politics political vote voting election government policy campaign petition "
          "protest rights community communities activism"},
    Topic{"tech",
          "computer computers laptop software app apps code coding programming "
          "programmer developer tech technology website online phone internet digital "
          "gadget robot"},
    Topic{"adoption", "adopt adopted adopting adoption foster fostering orphan agency agencies"},
    Topic{"mentor", "mentor mentors mentoring mentorship mentee guidance"},
    Topic{"dance", "dance dances dancing dancer ballet salsa choreography"},
    Topic{"achievement",
          "award awards prize prizes win won winning winner achievement achievements "
          "accomplishment accomplished success successful milestone medal trophy victory"},
    Topic{"goal",
          "goal goals dream dreams aspiration aspirations ambition plan plans planning "
          "future"},
    Topic{"weather", "weather rain rainy snow snowy sunny storm cold hot warm"},
    Topic{"season", "summer winter spring autumn"},
    Topic{"temporal",
          "yesterday today tonight tomorrow ago recently lately week weeks weekend "
          "weekends month months year years last earlier monday tuesday wednesday "
          "thursday friday saturday sunday january february march april june july august "
          "september october november december"},
};

constexpr std::string_view kTemporalTopic = "temporal";

}  // namespace

ConceptLexicon::ConceptLexicon(const Stemmer* stemmer) {
  for (const Topic& topic : kTopics) {
    const size_t index = topic_terms_.size();
    topic_terms_.push_back("#" + std::string(topic.name));
    std::istringstream words{std::string(topic.words)};
    for (std::string word; words >> word;) {
      std::vector<size_t>& topics =
          topics_of_stem_[stemmer != nullptr ? stemmer->Stem(word) : word];
      if (std::find(topics.begin(), topics.end(), index) == topics.end()) {
        topics.push_back(index);
      }
    }
  }
}

void ConceptLexicon::AppendConcepts(std::string_view stem, std::vector<std::string>* out) const {
  auto it = topics_of_stem_.find(stem);
  if (it == topics_of_stem_.end()) return;
  for (const size_t topic : it->second) out->push_back(topic_terms_[topic]);
}

void ConceptLexicon::AppendQuestionConcepts(std::string_view token,
                                            std::vector<std::string>* out) const {
  if (token == "when") out->push_back("#" + std::string(kTemporalTopic));
}

}  // namespace memoryd::text
